"""Mail out through a real SMTP server (aiosmtpd, tests/mailservers.py): threading headers as a mail
program needs them, retries with back-off on "try later", a clear "not delivered" when it never goes."""

import pytest
from django.utils import timezone

from mailchannel.models import OutboundKind, OutboundMessage, OutboundStatus, Security, UndeliverableAddress
from mailchannel.outbound import MAX_ATTEMPTS, deliver
from mailchannel.services import receive_message
from tickets.models import EventKind
from tickets.services import ticket_reply

from .conftest import raw_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_mailbox(mailbox, smtp_outbox):
    mailbox.smtp_host, mailbox.smtp_port, mailbox.smtp_security = smtp_outbox.host, smtp_outbox.port, Security.NONE
    mailbox.save()
    return mailbox


def test_an_answer_reaches_the_customer_threaded_under_her_mail(smtp_mailbox, smtp_outbox, agent1):
    inbound = receive_message(mailbox=smtp_mailbox, raw=raw_mail(message_id="karins-mail@client.example", cc="lars@example.de"))
    ticket = inbound.ticket
    ticket_reply(ticket=ticket, author=agent1, body="Bitte starten Sie den Drucker neu.")
    answer = OutboundMessage.objects.get(ticket=ticket, kind=OutboundKind.ANSWERED)

    assert deliver(answer.pk) == "sent"
    (received,) = smtp_outbox.wait_for(1)
    message = received.message
    assert sorted(received.rcpt_tos) == ["karin.kunde@example.de", "lars@example.de"]
    assert message["Message-ID"] == f"<{answer.message_id}>"
    assert message["In-Reply-To"] == "<karins-mail@client.example>"
    assert "<karins-mail@client.example>" in message["References"]
    assert f"[{ticket.reference}]" in message["Subject"]
    assert message["Reply-To"] == "support@example.test"
    assert message["From"] == "Example Support <support@example.test>"
    assert message["Auto-Submitted"] is None
    assert message.get_body(("plain",)).get_content().count("Bitte starten Sie den Drucker neu.") == 1
    assert "Bitte starten Sie den Drucker neu." in message.get_body(("html",)).get_content()
    # the customer's answer to it lands in the same ticket
    reply = receive_message(mailbox=smtp_mailbox, raw=raw_mail(
        subject=message["Subject"], headers=[("In-Reply-To", message["Message-ID"])], body="Jetzt geht es."))
    assert reply.ticket_id == ticket.pk


def test_a_confirmation_is_marked_automatic(smtp_mailbox, smtp_outbox):
    receive_message(mailbox=smtp_mailbox, raw=raw_mail())
    deliver(OutboundMessage.objects.get(kind=OutboundKind.CREATED).pk)

    (received,) = smtp_outbox.wait_for(1)
    assert received.message["Auto-Submitted"] == "auto-replied"


def test_a_temporary_failure_is_retried_later_with_back_off(smtp_mailbox, smtp_outbox):
    receive_message(mailbox=smtp_mailbox, raw=raw_mail())
    confirmation = OutboundMessage.objects.get(kind=OutboundKind.CREATED)
    smtp_outbox.fail_with(451, times=2)

    assert deliver(confirmation.pk) == "retry"
    confirmation.refresh_from_db()
    first_wait = confirmation.next_attempt_at - timezone.now()
    assert confirmation.status == OutboundStatus.PENDING and "451" in confirmation.last_error
    assert deliver(confirmation.pk) == "retry"
    confirmation.refresh_from_db()
    assert confirmation.next_attempt_at - timezone.now() > first_wait  # waits longer each time
    assert deliver(confirmation.pk) == "sent"
    assert len(smtp_outbox.wait_for(1)) == 1


def test_a_mail_that_is_refused_for_good_is_shown_on_the_ticket(smtp_mailbox, smtp_outbox):
    ticket = receive_message(mailbox=smtp_mailbox, raw=raw_mail()).ticket
    confirmation = OutboundMessage.objects.get(kind=OutboundKind.CREATED)
    smtp_outbox.fail_with(550)

    assert deliver(confirmation.pk) == "failed"
    confirmation.refresh_from_db()
    assert confirmation.status == OutboundStatus.FAILED and "550" in confirmation.last_error
    note = ticket.events.get(kind=EventKind.NOTE)
    assert "550" in note.body and note.data["mail_failed"]["outbound"] == confirmation.pk


def test_after_the_last_attempt_the_mail_is_given_up_not_dropped(smtp_mailbox, smtp_outbox):
    receive_message(mailbox=smtp_mailbox, raw=raw_mail())
    confirmation = OutboundMessage.objects.get(kind=OutboundKind.CREATED)
    smtp_outbox.fail_with(451)

    results = [deliver(confirmation.pk) for _ in range(MAX_ATTEMPTS)]
    assert results == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    assert OutboundMessage.objects.get(pk=confirmation.pk).status == OutboundStatus.FAILED


def test_a_server_that_is_down_is_a_temporary_failure(mailbox, tiers):
    from tests.mailservers import free_ports

    mailbox.smtp_host, mailbox.smtp_port, mailbox.smtp_security = "127.0.0.1", free_ports(1)[0], Security.NONE
    mailbox.save()
    receive_message(mailbox=mailbox, raw=raw_mail())

    assert deliver(OutboundMessage.objects.get(kind=OutboundKind.CREATED).pk) == "retry"


def test_a_bounce_marks_the_mail_and_the_address_and_lands_on_the_ticket(smtp_mailbox, smtp_outbox, agent1):
    ticket = receive_message(mailbox=smtp_mailbox, raw=raw_mail()).ticket
    confirmation = OutboundMessage.objects.get(kind=OutboundKind.CREATED)
    deliver(confirmation.pk)
    dsn = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.de>\r\nTo: support@example.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.example.de>\r\nMIME-Version: 1.0\r\n"
        "Auto-Submitted: auto-replied\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.de\r\n\r\n"
        "Final-Recipient: rfc822; karin.kunde@example.de\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{confirmation.message_id}>\r\nSubject: x\r\n\r\n--B--\r\n"
    ).encode()

    inbound = receive_message(mailbox=smtp_mailbox, raw=dsn)

    assert (inbound.reason, inbound.ticket_id) == ("bounce", ticket.pk)
    confirmation.refresh_from_db()
    assert confirmation.status == OutboundStatus.BOUNCED
    assert UndeliverableAddress.objects.filter(email="karin.kunde@example.de").exists()
    assert "5.1.1" in ticket.events.get(kind=EventKind.NOTE).body
    # no further mail to an address that bounced
    ticket_reply(ticket=ticket, author=agent1, body="Hallo?")
    assert not OutboundMessage.objects.filter(kind=OutboundKind.ANSWERED).exists()


def test_mail_recorded_while_the_broker_is_down_is_delivered_later_by_the_outbox_sweep(
        mailbox, monkeypatch, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from mailchannel import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_outbound, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        inbound = receive_message(mailbox=mailbox, raw=raw_mail())  # the ticket is taken all the same
    confirmation = OutboundMessage.objects.get(kind=OutboundKind.CREATED)
    assert inbound.ticket and confirmation.status == OutboundStatus.PENDING

    monkeypatch.setattr(tasks.deliver_outbound, "delay", lambda pk: deliver(pk))
    assert tasks.sweep_outbox() == 0  # not before the on-commit task had its chance
    OutboundMessage.objects.filter(pk=confirmation.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=1))
    assert tasks.sweep_outbox() == 1
    assert OutboundMessage.objects.get(pk=confirmation.pk).status == OutboundStatus.SENT
    assert tasks.sweep_outbox() == 0
