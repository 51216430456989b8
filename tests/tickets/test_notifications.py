"""Mail to the customer: when it is sent, in which language, and that it leaves only after commit."""

import time

import pytest
from django.core import mail

from tickets import services
from tickets.models import EventKind, Status
from tickets.notifications import send_event_mail
from tests.factories import CustomerFactory, make_ticket

pytestmark = pytest.mark.django_db


def event_of(ticket, kind):
    return ticket.events.filter(kind=kind).latest("id")


def test_the_customer_is_told_the_reference_when_the_ticket_is_created(ticket, customer):
    assert send_event_mail(event_of(ticket, EventKind.CREATED).pk) is True

    (message,) = mail.outbox
    assert message.to == [customer.email]
    assert ticket.reference in message.subject
    assert f"/portal/tickets/{ticket.reference}/" in message.body


def test_a_german_customer_gets_german_mail(tiers):
    kunde = CustomerFactory(username="kunde@example.de", profile__language="de")
    ticket = make_ticket(kunde, subject="Drucker")
    send_event_mail(event_of(ticket, EventKind.CREATED).pk)

    assert mail.outbox[0].subject == f"[{ticket.reference}] Wir haben Ihre Anfrage erhalten: Drucker"
    assert "Ihr Support-Team" in mail.outbox[0].body


def test_an_agent_answer_and_the_solution_are_mailed(ticket, agent1):
    services.ticket_reply(ticket=ticket, author=agent1, body="Restart the spooler.")
    services.ticket_change_status(ticket=ticket, actor=agent1, status=Status.SOLVED)

    assert send_event_mail(event_of(ticket, EventKind.REPLY).pk) is True
    assert send_event_mail(event_of(ticket, EventKind.STATUS).pk) is True
    assert "Restart the spooler." in mail.outbox[0].body
    assert "Solved" in mail.outbox[1].subject


def test_notes_tier_moves_and_the_customers_own_reply_send_no_mail(ticket, agent1, customer):
    services.ticket_add_note(ticket=ticket, author=agent1, body="secret")
    services.ticket_escalate(ticket=ticket, actor=agent1, reason="secret")
    services.ticket_reply(ticket=ticket, author=customer, body="me again")

    for kind in (EventKind.NOTE, EventKind.TIER, EventKind.REPLY):
        assert send_event_mail(event_of(ticket, kind).pk) is False
    assert mail.outbox == []


def test_mail_is_queued_only_when_the_transaction_commits(customer, tiers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        make_ticket(customer)
    assert len(callbacks) == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_confirmation_after_commit(celery_worker_proc, customer, tiers):
    ticket = make_ticket(customer, subject="Worker test")

    deadline = time.time() + 20
    while not list(celery_worker_proc.mail_dir.iterdir()):
        assert time.time() < deadline, celery_worker_proc.log.read_text()[-3000:]
        time.sleep(0.1)
    sent = "".join(p.read_text() for p in celery_worker_proc.mail_dir.iterdir())
    assert ticket.reference in sent
    assert customer.email in sent
