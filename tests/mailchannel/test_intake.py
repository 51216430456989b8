"""Mail in: a mail opens or continues a ticket through the ticket services, once, whatever happens."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from mailchannel.models import InboundMessage, InboundReason, InboundStatus, OutboundKind, OutboundMessage
from mailchannel.services import process_inbound, receive_message, store_inbound
from tests.factories import CustomerFactory, make_ticket
from tickets.models import Channel, EventKind, Status, Ticket
from tickets.services import ticket_change_status

from .conftest import raw_mail

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_a_mail_from_an_unknown_sender_opens_a_ticket_for_a_new_customer(mailbox):
    inbound = receive_message(mailbox=mailbox, raw=raw_mail())

    assert (inbound.status, inbound.reason) == (InboundStatus.PROCESSED, InboundReason.NEW_TICKET)
    ticket = inbound.ticket
    assert ticket.subject == "Drucker druckt nicht"
    assert ticket.description == "Der Drucker im 2. Stock druckt nicht mehr."
    assert ticket.channel == Channel.EMAIL
    karin = ticket.requester
    assert (karin.email, karin.first_name, karin.last_name) == ("karin.kunde@example.de", "Karin", "Kunde")
    assert not karin.has_usable_password()
    assert karin.profile.language == "de"
    created = ticket.events.get(kind=EventKind.CREATED)
    assert created.channel == Channel.EMAIL
    assert created.data["mail"]["from"] == "Karin Kunde <karin.kunde@example.de>"


def test_the_same_mail_twice_is_processed_once(mailbox):
    raw = raw_mail(message_id="same@client.example")
    first = receive_message(mailbox=mailbox, raw=raw)
    second = receive_message(mailbox=mailbox, raw=raw)

    assert first.pk == second.pk
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_a_mail_without_message_id_is_keyed_by_its_content(mailbox):
    raw = raw_mail().replace(b"Message-ID:", b"X-Old-Message-ID:")
    first = receive_message(mailbox=mailbox, raw=raw)
    receive_message(mailbox=mailbox, raw=raw)

    assert first.key.startswith("sha256:")
    assert Ticket.objects.count() == 1


def test_a_stored_mail_that_was_never_processed_is_processed_when_fetched_again(mailbox):
    raw = raw_mail(message_id="crash@client.example")
    stored = store_inbound(mailbox=mailbox, raw=raw, source="imap")  # the worker died right after this
    assert stored.status == InboundStatus.RECEIVED

    again = receive_message(mailbox=mailbox, raw=raw, source="imap")
    assert again.pk == stored.pk and again.status == InboundStatus.PROCESSED
    assert Ticket.objects.count() == 1
    assert process_inbound(stored.pk).ticket_id == again.ticket_id  # and never a second time
    assert Ticket.objects.count() == 1


def test_a_reply_threads_by_the_message_id_we_sent(mailbox):
    ticket = receive_message(mailbox=mailbox, raw=raw_mail()).ticket
    confirmation = OutboundMessage.objects.get(ticket=ticket, kind=OutboundKind.CREATED)

    reply = receive_message(mailbox=mailbox, raw=raw_mail(
        subject="Re: Wir haben Ihre Anfrage erhalten", headers=[("In-Reply-To", f"<{confirmation.message_id}>")],
        body="Er geht jetzt wieder.\n\nAm 01.12.2026 um 10:00 schrieb Example Support:\n> Wir haben Ihre Anfrage erhalten",
    ))

    assert (reply.reason, reply.ticket_id) == (InboundReason.REPLY, ticket.pk)
    assert reply.event.body == "Er geht jetzt wieder."
    assert reply.event.channel == Channel.EMAIL


def test_a_reply_threads_by_the_reference_in_its_subject(mailbox, customer):
    ticket = make_ticket(customer)
    reply = receive_message(mailbox=mailbox, raw=raw_mail(
        sender=customer.email, subject=f"AW: [{ticket.reference}] Printer", body="Still broken."))

    assert reply.ticket_id == ticket.pk
    assert reply.reason == InboundReason.REPLY


def test_a_stranger_naming_someone_elses_ticket_gets_a_ticket_of_their_own(mailbox, customer):
    ticket = make_ticket(customer)
    inbound = receive_message(mailbox=mailbox, raw=raw_mail(
        sender="mallory@example.net", subject=f"Re: [{ticket.reference}] Printer", body="Give me the data."))

    assert inbound.reason == InboundReason.NEW_TICKET
    assert inbound.ticket_id != ticket.pk
    assert not ticket.events.filter(body__contains="Give me").exists()


def test_an_agents_mail_into_the_thread_is_the_agents_reply(mailbox, ticket, agent1):
    agent1.email = "fiona.first@example.test"
    agent1.save()
    inbound = receive_message(mailbox=mailbox, raw=raw_mail(
        sender=agent1.email, subject=f"Re: [{ticket.reference}] Printer", body="Please restart it."))

    assert inbound.reason == InboundReason.AGENT_REPLY
    assert inbound.event.actor == agent1
    assert inbound.event.data["author_role"] == "agent"
    # ... and it reaches the customer like an answer from the agent workspace
    assert OutboundMessage.objects.filter(event=inbound.event, kind=OutboundKind.ANSWERED).exists()


def test_a_reply_to_a_closed_ticket_reopens_it_within_the_period(mailbox, ticket, customer, agent1):
    ticket_change_status(ticket=ticket, actor=agent1, status=Status.CLOSED)
    inbound = receive_message(mailbox=mailbox, raw=raw_mail(
        sender=customer.email, subject=f"Re: [{ticket.reference}]", body="It is back."))

    ticket.refresh_from_db()
    assert inbound.reason == InboundReason.REOPENED
    assert ticket.status == Status.OPEN


def test_a_reply_to_a_ticket_closed_long_ago_opens_a_follow_up(mailbox, ticket, customer, agent1):
    ticket_change_status(ticket=ticket, actor=agent1, status=Status.CLOSED)
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now() - timezone.timedelta(days=30))
    inbound = receive_message(mailbox=mailbox, raw=raw_mail(
        sender=customer.email, subject=f"Re: [{ticket.reference}]", body="It is back."))

    ticket.refresh_from_db()
    assert inbound.reason == InboundReason.FOLLOW_UP
    assert ticket.status == Status.CLOSED
    created = inbound.ticket.events.get(kind=EventKind.CREATED)
    assert created.data["follows"] == {"reference": ticket.reference}
    assert ticket.reference in inbound.ticket.description


def test_cc_addresses_become_collaborators_and_receive_public_answers(mailbox, agent1):
    inbound = receive_message(mailbox=mailbox, raw=raw_mail(
        cc="Lars Lange <lars@example.de>, support@example.test, Mia <mia@example.de>"))
    ticket = inbound.ticket
    assert sorted(ticket.collaborators.values_list("email", flat=True)) == ["lars@example.de", "mia@example.de"]

    from tickets.services import ticket_reply

    ticket_reply(ticket=ticket, author=agent1, body="Wir kümmern uns darum.")
    answer = OutboundMessage.objects.get(ticket=ticket, kind=OutboundKind.ANSWERED)
    assert answer.to == ["Karin Kunde <karin.kunde@example.de>"]
    assert sorted(answer.cc) == ["Lars Lange <lars@example.de>", "Mia <mia@example.de>"]


def test_a_collaborator_may_answer_in_the_thread(mailbox):
    ticket = receive_message(mailbox=mailbox, raw=raw_mail(cc="Lars Lange <lars@example.de>")).ticket
    inbound = receive_message(mailbox=mailbox, raw=raw_mail(
        sender="lars@example.de", subject=f"Re: [{ticket.reference}]", body="Bei mir auch."))

    assert (inbound.reason, inbound.ticket_id) == (InboundReason.REPLY, ticket.pk)
    assert inbound.event.actor.email == "lars@example.de"


@pytest.mark.parametrize("headers, reason", [
    ([("Auto-Submitted", "auto-replied")], InboundReason.AUTO_REPLY),
    ([("Auto-Submitted", "auto-generated")], InboundReason.AUTO_REPLY),
    ([("Precedence", "bulk")], InboundReason.BULK),
    ([("Precedence", "junk")], InboundReason.BULK),
    ([("List-Id", "<news.example.de>")], InboundReason.MAILING_LIST),
    ([("X-Auto-Response-Suppress", "All")], None),  # only with Exchange's subject below
])
def test_automatic_mail_is_recorded_and_never_answered(mailbox, headers, reason):
    subject = "Automatische Antwort: Drucker" if reason is None else "Newsletter"
    inbound = receive_message(mailbox=mailbox, raw=raw_mail(subject=subject, headers=headers))

    assert inbound.status == InboundStatus.IGNORED
    assert inbound.reason == (reason or InboundReason.AUTO_REPLY)
    assert Ticket.objects.count() == 0
    assert OutboundMessage.objects.count() == 0


def test_mail_from_our_own_address_is_never_a_ticket(mailbox):
    inbound = receive_message(mailbox=mailbox, raw=raw_mail(sender="Example Support <support@example.test>"))

    assert (inbound.status, inbound.reason) == (InboundStatus.IGNORED, InboundReason.LOOP)
    assert Ticket.objects.count() == 0


def test_an_unknown_sender_gets_a_polite_refusal_where_the_mailbox_refuses_them(mailbox):
    mailbox.allow_unknown_senders = False
    mailbox.save()
    inbound = receive_message(mailbox=mailbox, raw=raw_mail(message_id="unknown@client.example"))

    assert (inbound.status, inbound.reason) == (InboundStatus.REFUSED, InboundReason.UNKNOWN_SENDER)
    assert Ticket.objects.count() == 0
    assert not User.objects.filter(email="karin.kunde@example.de").exists()
    refusal = OutboundMessage.objects.get(kind=OutboundKind.REFUSED)
    assert refusal.to == ["Karin Kunde <karin.kunde@example.de>"]
    assert refusal.in_reply_to == "unknown@client.example"
    assert refusal.is_automatic
    assert "Anfragen nur von registrierten Kunden" in refusal.body_text


def test_a_known_customer_may_write_where_the_mailbox_refuses_unknown_senders(mailbox):
    mailbox.allow_unknown_senders = False
    mailbox.save()
    CustomerFactory(username="karin.kunde@example.de")

    assert receive_message(mailbox=mailbox, raw=raw_mail()).reason == InboundReason.NEW_TICKET


def test_past_the_hourly_limit_new_tickets_from_one_sender_are_held_until_released(mailbox, agent1):
    mailbox.max_new_tickets_per_hour = 2
    mailbox.save()
    results = [receive_message(mailbox=mailbox, raw=raw_mail(subject=f"Fall {n}")) for n in range(3)]

    assert [r.status for r in results] == [InboundStatus.PROCESSED, InboundStatus.PROCESSED, InboundStatus.HELD]
    assert Ticket.objects.count() == 2

    from mailchannel.services import inbound_release

    released = inbound_release(inbound=results[2], actor=agent1)
    assert released.reason == InboundReason.NEW_TICKET
    assert Ticket.objects.count() == 3


def test_a_subject_with_a_line_break_is_stored_on_one_line(mailbox):
    raw = raw_mail(subject="=?UTF-8?Q?Zeile_eins=0D=0AZeile_zwei?=")
    ticket = receive_message(mailbox=mailbox, raw=raw).ticket

    assert ticket.subject == "Zeile eins Zeile zwei"


def test_an_attachment_over_the_limit_is_left_out_with_a_note_and_an_answer(mailbox, settings):
    settings.HELPDESK_MAX_ATTACHMENT_BYTES = 1000
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Karin Kunde <karin.kunde@example.de>"
    message["To"] = "support@example.test"
    message["Subject"] = "Logdateien"
    message["Message-ID"] = "<big@client.example>"
    message.set_content("Anbei die Logs.")
    message.add_attachment(b"x" * 500, maintype="text", subtype="plain", filename="klein.log")
    message.add_attachment(b"y" * 5000, maintype="application", subtype="octet-stream", filename="groß.zip")
    inbound = receive_message(mailbox=mailbox, raw=message.as_bytes())

    ticket = inbound.ticket
    assert [a.name for a in ticket.attachments.all()] == ["klein.log"]
    note = ticket.events.get(kind=EventKind.NOTE)
    assert "groß.zip" in note.body
    answer = OutboundMessage.objects.get(kind=OutboundKind.ATTACHMENTS_LEFT_OUT)
    assert "groß.zip" in answer.body_text and answer.ticket == ticket


def test_a_file_over_the_limit_is_not_decoded_but_left_out_with_its_exact_size(mailbox, settings):
    """A large file is cut out before parsing (it would be left out anyway, and parsing it holds the
    mail several times in memory); what the intake sees is otherwise what a full parse gives."""
    import os
    from email.message import EmailMessage
    from email.policy import SMTP

    from mailchannel import parsing

    settings.HELPDESK_MAX_ATTACHMENT_BYTES = 100 * 1024
    message = EmailMessage(policy=SMTP)  # CRLF line ends, as on the wire
    message["From"] = "Karin Kunde <karin.kunde@example.de>"
    message["To"] = "support@example.test"
    message["Subject"] = "Scan und Logs"
    message["Message-ID"] = "<scan@client.example>"
    message.set_content("Anbei der Scan.\n" + "Noch eine Zeile Text.\n" * 8000)  # a long text body stays whole
    message.add_attachment(os.urandom(300 * 1024 + 1), maintype="application", subtype="pdf", filename="Großer Scan.pdf")
    message.add_attachment(b"ok" * 100, maintype="text", subtype="plain", filename="klein.log")
    raw = message.as_bytes()

    slim = parsing.parse(raw, max_part_bytes=settings.HELPDESK_MAX_ATTACHMENT_BYTES)
    full = parsing.parse(raw)
    assert [(p.filename, p.size) for p in slim.attachments] == [(p.filename, p.size) for p in full.attachments]
    assert slim.attachments[0].size == 300 * 1024 + 1 and slim.attachments[0].payload == b""
    assert slim.attachments[1].payload == full.attachments[1].payload
    assert (slim.text, slim.subject, slim.sender) == (full.text, full.subject, full.sender)

    inbound = receive_message(mailbox=mailbox, raw=raw)
    assert [a.name for a in inbound.ticket.attachments.all()] == ["klein.log"]
    assert "Großer Scan.pdf (300,0\xa0KB)" in inbound.ticket.events.get(kind=EventKind.NOTE).body
    with inbound.raw.open("rb") as handle:
        assert handle.read() == raw  # the original keeps the file


def test_a_mail_the_services_refuse_is_kept_as_failed_with_the_reason(mailbox, monkeypatch):
    from tickets import services as ticket_services

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ticket_services, "ticket_create", broken)
    inbound = receive_message(mailbox=mailbox, raw=raw_mail())

    assert (inbound.status, inbound.reason) == (InboundStatus.FAILED, InboundReason.ERROR)
    assert "disk full" in inbound.detail
    assert inbound.raw.size > 0  # the mail is kept for a second try


def test_a_customer_who_first_wrote_by_mail_sets_a_password_through_the_reset_link(mailbox, client):
    from django.core import mail as django_mail

    receive_message(mailbox=mailbox, raw=raw_mail())
    response = client.post("/accounts/password_reset/", {"email": "Karin.Kunde@example.de"})

    assert response.status_code == 302
    (reset,) = [m for m in django_mail.outbox if "karin.kunde@example.de" in m.to]
    assert "/accounts/reset/" in reset.body


def test_every_entry_point_stores_a_subject_on_one_line(customer, tiers):
    from tickets.services import ticket_create

    ticket = ticket_create(requester=customer, subject="Zeile eins\r\nBcc: x@example.net\tZwei", description="x")
    assert ticket.subject == "Zeile eins Bcc: x@example.net Zwei"
