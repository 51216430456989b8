"""Tickets by e-mail, end to end: a real IMAP server (dovecot), a real SMTP server (aiosmtpd), a real
Celery worker on the test database, and an agent in a real Chromium.

A German customer writes to the support address; the worker fetches her mail and it becomes a ticket.
The agent finds it in the queue, sees that it came by e-mail, looks at the original mail and answers
in the browser; the worker mails the answer, threaded under her mail. Her answer to that comes back
into the same ticket, without the quoted history her mail program put below it. The customer, in the
portal, never sees the agents' view of the mail: no original, no agent's address.
"""

import email.policy
import re
import time
from email.message import EmailMessage

import pytest
from playwright.sync_api import Page, expect

from mailchannel import imap, outbound
from mailchannel.models import InboundMessage, InboundStatus, Mailbox, OutboundKind, OutboundMessage, Security
from mailchannel.tasks import fetch_mailbox
from tests.conftest import start_celery, stop_celery
from tests.factories import PASSWORD, CustomerFactory
from tickets import services
from tickets.models import Ticket

from .helpers import flash, timeline_items

pytestmark = pytest.mark.browser

KARIN = "Karin Kunde <karin.kunde@example.de>"
KARINS_MESSAGE_ID = "6c1f0e2a-93b4-4d1e-b8a7-52f0c9d3e417@mail.example.de"
KARINS_TEXT = (
    "Guten Morgen,\n\n"
    "seit gestern druckt der Drucker im 2. OG (Raum 2.14) nur noch leere Seiten.\n"
    "Den Toner habe ich schon gewechselt, das hat nichts geändert.\n\n"
    "Viele Grüße\n"
    "Karin Kunde\n"
    "Buchhaltung, Müller & Söhne GmbH\n"
)
SUBJECT = "Drucker im 2. OG druckt nur leere Seiten"


def german_customer_mail(support_address: str) -> bytes:
    """Karin's mail as Thunderbird sends it: UTF-8, quoted-printable, CRLF line ends."""
    mail = EmailMessage(policy=email.policy.SMTP)
    mail["From"] = KARIN
    mail["To"] = f"Support <{support_address}>"
    mail["Subject"] = SUBJECT
    mail["Date"] = "Tue, 01 Dec 2026 09:14:27 +0100"
    mail["Message-ID"] = f"<{KARINS_MESSAGE_ID}>"
    mail["User-Agent"] = "Mozilla Thunderbird"
    mail["Content-Language"] = "de-DE"
    mail.set_content(KARINS_TEXT, cte="quoted-printable")
    return mail.as_bytes()


def reply_mail(*, sender: str, to: str, subject: str, in_reply_to: str, references: str, text: str) -> bytes:
    """An answer from a mail program: Re: subject, In-Reply-To and References of the mail it answers."""
    mail = EmailMessage(policy=email.policy.SMTP)
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject if subject.startswith("Re:") else f"Re: {subject}"
    mail["Date"] = "Tue, 01 Dec 2026 10:31:05 +0100"
    mail["Message-ID"] = f"<{time.time_ns()}.reply@mail.example.de>"
    mail["In-Reply-To"] = in_reply_to
    mail["References"] = references
    mail["User-Agent"] = "Mozilla Thunderbird"
    mail.set_content(text, cte="quoted-printable")
    return mail.as_bytes()


def quoted(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.splitlines())


def mailbox_for(imap_mailbox, smtp_outbox, is_default=True) -> Mailbox:
    """The support address: fetched from the test IMAP user, answers sent through the SMTP sink."""
    return Mailbox.objects.create(
        name="support", address=imap_mailbox.user, display_name="Example Support", language="de",
        is_default=is_default, imap_host=imap_mailbox.host, imap_port=imap_mailbox.port, imap_security=Security.NONE,
        imap_user=imap_mailbox.user, imap_password=imap_mailbox.password,
        smtp_host=smtp_outbox.host, smtp_port=smtp_outbox.port, smtp_security=Security.NONE,
    )


def wait_until(condition, what: str, worker=None, timeout: float = 15):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline or (worker is not None and worker.poll() is not None):
            log = worker.log.read_text()[-4000:] if worker is not None else ""
            raise AssertionError(f"{what}: not within {timeout} s\n{log}")
        time.sleep(0.1)


def processed_mails() -> int:
    return InboundMessage.objects.filter(status=InboundStatus.PROCESSED).count()


@pytest.fixture
def mail_worker(live_server, private_celery_queue, smtp_outbox, tmp_path, settings):
    """A real Celery worker on the test database: it fetches the mailbox and delivers the outbox to the
    SMTP sink. It keeps files where the live server reads them, and links point at the live server."""
    settings.HELPDESK_BASE_URL = live_server.url
    worker = start_celery("worker", queue=private_celery_queue, workdir=tmp_path, name="mail", env_extra={
        **smtp_outbox.environ,
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "HELPDESK_BASE_URL": live_server.url,
    })
    try:
        yield worker
    finally:
        stop_celery(worker)  # before pytest-django flushes and drops the test database


def test_a_customer_mail_becomes_a_ticket_the_agent_answers_in_the_browser_and_her_reply_threads_back(
        page: Page, url, imap_mailbox, smtp_outbox, mail_worker, agent1):
    mailbox = mailbox_for(imap_mailbox, smtp_outbox)
    support = mailbox.address

    # 1. Karin's mail arrives in the IMAP mailbox; the worker fetches it and it becomes a ticket.
    karins_mail = german_customer_mail(support)
    imap_mailbox.append(karins_mail)
    fetch_mailbox.delay(mailbox.pk)
    wait_until(lambda: processed_mails() == 1, "Karin's mail fetched and processed", mail_worker)
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.channel, ticket.requester.email) == (SUBJECT, "email", "karin.kunde@example.de")
    # She is told her ticket's reference, in German (threading: see the last test).
    (confirmation,) = smtp_outbox.wait_for(1)
    assert confirmation.rcpt_tos == ["karin.kunde@example.de"]
    assert confirmation.subject.startswith(f"[{ticket.reference}] Wir haben Ihre Anfrage erhalten")
    assert confirmation.message["Auto-Submitted"] == "auto-replied"
    assert confirmation.message["Content-Language"] == "de"

    # 2. Fiona logs in, finds the ticket in her queue and opens it.
    page.goto(url("/"))
    page.get_by_label("E-mail address or user name").fill("agent.first")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Ticket queue")).to_be_visible()
    expect(page.get_by_test_id("result-count")).to_have_text("1 ticket")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=ticket.reference))
    expect(row).to_contain_text(SUBJECT)
    expect(row).to_contain_text("Karin Kunde")
    row.get_by_role("link", name=ticket.reference).click()

    expect(page.get_by_test_id("reference")).to_have_text(ticket.reference)
    expect(page.get_by_role("heading", level=1)).to_contain_text(SUBJECT)
    created = timeline_items(page, "created")
    expect(created).to_contain_text("seit gestern druckt der Drucker im 2. OG (Raum 2.14) nur noch leere Seiten.")
    expect(created).to_contain_text("Müller & Söhne GmbH")  # quoted-printable UTF-8, decoded
    expect(created.get_by_test_id("channel")).to_have_text("E-mail")
    expect(created.get_by_test_id("event-details")).to_contain_text(f"By e-mail from {KARIN} to Support <{support}>")

    # The original mail, as it arrived: sender, text, and the .eml byte for byte.
    created.get_by_role("link", name="Original mail").click()
    inbound = InboundMessage.objects.get()
    expect(page).to_have_url(url(f"/agent/mail/{inbound.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    expect(page.get_by_test_id("mail-from")).to_have_text(KARIN)
    expect(page.get_by_test_id("mail-text")).to_contain_text("Den Toner habe ich schon gewechselt")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download (.eml)").click()
    assert download.value.suggested_filename == f"mail-{inbound.pk}.eml"
    assert download.value.path().read_bytes() == karins_mail

    # Back on the ticket, a public reply through the reply form.
    page.go_back()
    expect(page.get_by_test_id("reference")).to_have_text(ticket.reference)
    answer_lines = ["Guten Tag Frau Kunde,",
                    "bitte schalten Sie den Drucker für 30 Sekunden aus und wieder ein.",
                    "Hilft das nicht, kommt morgen um 9 Uhr ein Techniker vorbei."]
    reply_pane = page.locator("#pane-reply")
    reply_pane.locator("textarea[name=body]").fill("\n".join(answer_lines))
    reply_pane.get_by_role("button", name="Send reply").click()
    expect(flash(page)).to_contain_text("Your reply has been sent to the customer.")
    expect(timeline_items(page, "reply")).to_contain_text(answer_lines[1])
    expect(page.get_by_test_id("status")).to_have_text("Open")

    # 3. Within seconds the SMTP server has the answer, threaded under Karin's mail.
    smtp_outbox.wait_for(2, timeout=10)
    answer = OutboundMessage.objects.get(kind=OutboundKind.ANSWERED)
    (received,) = [m for m in smtp_outbox.messages if m.message["Message-ID"] == f"<{answer.message_id}>"]
    message = received.message
    assert received.rcpt_tos == ["karin.kunde@example.de"]
    assert message["From"] == f"Example Support <{support}>"
    assert message["Reply-To"] == support
    assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", message["Message-ID"])
    assert message["In-Reply-To"] == f"<{KARINS_MESSAGE_ID}>"
    assert f"<{KARINS_MESSAGE_ID}>" in message["References"].split()
    assert f"[{ticket.reference}]" in message["Subject"]
    assert message["Auto-Submitted"] is None  # a person wrote it: auto-responders may answer
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for line in answer_lines:
        assert line in text
        assert line in html
    assert url(f"/portal/tickets/{ticket.reference}/") in text

    # 4. Karin answers from Thunderbird, her new words above the quoted history.
    karins_answer = "Danke, nach dem Aus- und Einschalten druckt er wieder. Das Ticket kann zu."
    imap_mailbox.append(reply_mail(
        sender=KARIN, to=f"Example Support <{support}>", subject=message["Subject"],
        in_reply_to=message["Message-ID"], references=f"{message['References']} {message['Message-ID']}",
        text=f"{karins_answer}\n\nViele Grüße\nKarin\n\n"
             f"Am 01.12.2026 um 10:02 schrieb Example Support:\n{quoted(text)}\n",
    ))
    fetch_mailbox.delay(mailbox.pk)
    wait_until(lambda: processed_mails() == 2, "Karin's answer fetched and processed", mail_worker)
    assert Ticket.objects.count() == 1

    page.reload()
    replies = timeline_items(page, "reply")
    expect(replies).to_have_count(2)
    hers = replies.last
    expect(hers).to_contain_text("Karin Kunde")
    expect(hers).to_contain_text(karins_answer)
    expect(hers.get_by_test_id("channel")).to_have_text("E-mail")
    for history in ("schrieb", "Example Support:", answer_lines[1], "Techniker", ">"):
        expect(hers.locator(".timeline-body")).not_to_contain_text(history)
    # The original keeps everything she sent, quotes included.
    hers.get_by_role("link", name="Original mail").click()
    expect(page.get_by_test_id("mail-text")).to_contain_text("Am 01.12.2026 um 10:02 schrieb Example Support:")
    expect(page.get_by_test_id("mail-text")).to_contain_text(f"> {answer_lines[1]}")


@pytest.mark.browser_context_args(locale="de-DE")
def test_the_customer_never_sees_the_original_mail_or_an_agents_address_in_the_portal(
        page: Page, url, login_as, imap_mailbox, smtp_outbox, agent1):
    karin = CustomerFactory(username="karin.kunde@example.de", first_name="Karin", last_name="Kunde",
                            profile__language="de")
    agent1.email = "fiona.first@helpdesk.example"
    agent1.save()
    mailbox = mailbox_for(imap_mailbox, smtp_outbox)
    imap_mailbox.append(german_customer_mail(mailbox.address))
    imap.fetch_and_record(mailbox)
    ticket = Ticket.objects.get(requester=karin)
    # Fiona answers once in the agent workspace and once from her own mail program (a reply to Karin's mail).
    services.ticket_reply(ticket=ticket, author=agent1, body="Bitte schalten Sie den Drucker aus und wieder ein.")
    imap_mailbox.append(reply_mail(
        sender="Fiona First <fiona.first@helpdesk.example>", to=mailbox.address,
        subject=f"[{ticket.reference}] {SUBJECT}",
        in_reply_to=f"<{KARINS_MESSAGE_ID}>", references=f"<{KARINS_MESSAGE_ID}>",
        text="Morgen um 9 Uhr kommt ein Techniker vorbei.",
    ))
    imap.fetch_and_record(mailbox)
    assert list(InboundMessage.objects.order_by("id").values_list("reason", flat=True)) == ["new_ticket", "agent_reply"]

    login_as(karin)
    page.goto(url(f"/portal/tickets/{ticket.reference}/"))
    expect(timeline_items(page, "created")).to_contain_text("nur noch leere Seiten")
    replies = timeline_items(page, "reply")
    expect(replies).to_have_count(2)
    expect(replies.first).to_contain_text("Bitte schalten Sie den Drucker aus und wieder ein.")
    expect(replies.last).to_contain_text("Morgen um 9 Uhr kommt ein Techniker vorbei.")
    expect(replies.last.get_by_test_id("channel")).to_have_text("E-Mail")  # she may know it came by mail

    expect(page.get_by_role("link", name=re.compile(r"Original", re.IGNORECASE))).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile(r"\.eml", re.IGNORECASE))).to_have_count(0)
    markup = page.content()
    assert "/agent/mail/" not in markup  # not even hidden in the markup
    assert "fiona.first@helpdesk.example" not in markup, "the portal shows the agent's own e-mail address"

    # Nor does the address of the original open to her.
    inbound = InboundMessage.objects.order_by("id").first()
    for path in (f"/agent/mail/{inbound.pk}/", f"/agent/mail/{inbound.pk}/raw/"):
        response = page.goto(url(path))
        assert response.status == 403, path
        expect(page.locator("body")).not_to_contain_text("karin.kunde@example.de")


def test_the_confirmation_of_a_mailed_ticket_answers_her_mail_from_the_address_she_wrote_to(
        imap_mailbox, smtp_outbox, tiers):
    Mailbox.objects.create(name="info", address="info@example.test", display_name="Example Info", is_default=True,
                           smtp_host=smtp_outbox.host, smtp_port=smtp_outbox.port, smtp_security=Security.NONE)
    mailbox = mailbox_for(imap_mailbox, smtp_outbox, is_default=False)
    imap_mailbox.append(german_customer_mail(mailbox.address))
    imap.fetch_and_record(mailbox)
    confirmation = OutboundMessage.objects.get(kind=OutboundKind.CREATED)
    assert outbound.deliver(confirmation.pk) == "sent"

    (received,) = smtp_outbox.wait_for(1)
    assert received.message["From"] == f"Example Support <{mailbox.address}>"
    assert received.message["In-Reply-To"] == f"<{KARINS_MESSAGE_ID}>"
    assert f"<{KARINS_MESSAGE_ID}>" in (received.message["References"] or "").split()
