"""Mail to the customer: which changes call for one, in which language, with which headers, and that it
is recorded with the change and leaves only after commit."""

import time

import pytest
from django.core import mail

from mailchannel.models import OutboundKind, OutboundMessage, OutboundStatus
from mailchannel.outbound import deliver
from tests.factories import CustomerFactory, make_ticket
from tickets import services
from tickets.models import EventKind, Status

pytestmark = pytest.mark.django_db


def outbox_of(ticket, kind):
    return OutboundMessage.objects.get(ticket=ticket, kind=kind)


def test_the_customer_is_told_the_reference_when_the_ticket_is_created(ticket, customer):
    confirmation = outbox_of(ticket, OutboundKind.CREATED)
    assert deliver(confirmation.pk) == "sent"

    (message,) = mail.outbox
    assert message.to == [f"{customer.get_full_name()} <{customer.email}>"]
    assert ticket.reference in message.subject
    assert f"/portal/tickets/{ticket.reference}/" in message.body
    assert message.extra_headers["Message-ID"] == f"<{confirmation.message_id}>"
    assert message.extra_headers["Auto-Submitted"] == "auto-replied"
    assert message.alternatives[0].mimetype == "text/html"
    confirmation.refresh_from_db()
    assert confirmation.status == OutboundStatus.SENT and confirmation.event.kind == EventKind.CREATED


def test_a_german_customer_gets_german_mail(tiers):
    kunde = CustomerFactory(username="kunde@example.de", profile__language="de")
    ticket = make_ticket(kunde, subject="Drucker")
    deliver(outbox_of(ticket, OutboundKind.CREATED).pk)

    assert mail.outbox[0].subject == f"[{ticket.reference}] Wir haben Ihre Anfrage erhalten: Drucker"
    assert "Ihr Support-Team" in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["Content-Language"] == "de"


def test_confirmations_come_from_the_default_mailbox_and_follow_an_admin_change(customer, tiers):
    from mailchannel.models import Mailbox

    support = Mailbox.objects.create(name="support", address="support@example.test", is_default=True)
    first = make_ticket(customer)
    assert outbox_of(first, OutboundKind.CREATED).from_header == "support@example.test"

    Mailbox.objects.create(name="service", address="service@example.test")
    support.is_active = False  # the cached default mailbox is dropped with this save
    support.save()
    second = make_ticket(customer)
    assert outbox_of(second, OutboundKind.CREATED).from_header == "service@example.test"


def test_an_agent_answer_threads_under_the_confirmation_and_the_solution_is_mailed(ticket, agent1):
    services.ticket_reply(ticket=ticket, author=agent1, body="Restart the spooler.")
    services.ticket_change_status(ticket=ticket, actor=agent1, status=Status.SOLVED)

    confirmation = outbox_of(ticket, OutboundKind.CREATED)
    answer = outbox_of(ticket, OutboundKind.ANSWERED)
    assert answer.in_reply_to == confirmation.message_id
    assert f"<{confirmation.message_id}>" in answer.references
    assert not answer.is_automatic
    assert deliver(answer.pk) == "sent"
    assert deliver(outbox_of(ticket, OutboundKind.SOLVED).pk) == "sent"
    assert "Restart the spooler." in mail.outbox[0].body
    assert "Auto-Submitted" not in mail.outbox[0].extra_headers
    assert "Solved" in mail.outbox[1].subject


def test_the_html_part_escapes_what_the_agent_wrote(ticket, agent1):
    services.ticket_reply(ticket=ticket, author=agent1, body="<script>alert(1)</script> see https://example.org/x")
    answer = outbox_of(ticket, OutboundKind.ANSWERED)

    assert "<script>" not in answer.body_html
    assert "&lt;script&gt;" in answer.body_html
    assert '<a href="https://example.org/x"' in answer.body_html


def test_notes_tier_moves_and_the_customers_own_reply_send_no_mail(ticket, agent1, customer):
    services.ticket_add_note(ticket=ticket, author=agent1, body="secret")
    services.ticket_escalate(ticket=ticket, actor=agent1, reason="secret")
    services.ticket_reply(ticket=ticket, author=customer, body="me again")

    assert list(OutboundMessage.objects.values_list("kind", flat=True)) == [OutboundKind.CREATED]


def test_a_silent_creation_sends_no_confirmation(customer, tiers):
    ticket = services.ticket_create(requester=customer, subject="Quiet", description="x", notify=False)

    assert not OutboundMessage.objects.filter(ticket=ticket).exists()


def test_mail_is_queued_only_when_the_transaction_commits(customer, tiers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        make_ticket(customer)
    assert len(callbacks) == 1


def test_a_delivered_mail_is_never_sent_again(ticket):
    confirmation = outbox_of(ticket, OutboundKind.CREATED)

    assert [deliver(confirmation.pk), deliver(confirmation.pk)] == ["sent", "skipped"]
    assert len(mail.outbox) == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_confirmation_after_commit(celery_worker_proc, customer, tiers):
    ticket = make_ticket(customer, subject="Worker test")

    def sent():
        return "".join(p.read_text() for p in celery_worker_proc.mail_dir.iterdir())

    # The file backend creates the file, then writes it: wait for the mail, not for the file.
    deadline = time.time() + 20
    while ticket.reference not in sent():
        assert time.time() < deadline, celery_worker_proc.log.read_text()[-3000:]
        time.sleep(0.1)
    sent = sent()
    assert customer.email in sent
    deadline = time.time() + 10
    while OutboundMessage.objects.get(ticket=ticket).status != OutboundStatus.SENT:
        assert time.time() < deadline
        time.sleep(0.1)
