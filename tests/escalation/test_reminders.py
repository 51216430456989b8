"""Wiedervorlage: a ticket set aside until a moment comes back to the queue then, exactly once."""

import os
import signal
import time
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from escalation import reminders
from escalation.models import Notification, Reminder
from tickets.models import EventKind, Status, Ticket
from tickets.services import ticket_assign, ticket_reply

pytestmark = pytest.mark.django_db


def test_a_ticket_set_aside_comes_back_at_its_moment_once(ticket, agent1):
    ticket_assign(ticket=ticket, actor=agent1, assignee=agent1)
    due = timezone.now() + timedelta(hours=2)
    reminders.reminder_set(ticket=ticket, actor=agent1, due_at=due, note="Kundin zurückrufen")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.follow_up_at) == (Status.WAITING, due)

    assert reminders.process_due_reminders() == 0  # not before its moment
    with time_machine.travel(due + timedelta(seconds=1)):
        assert reminders.process_due_reminders() == 1
        assert reminders.process_due_reminders() == 0  # and never twice

    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.follow_up_at == due
    entry = ticket.events.filter(kind=EventKind.AUTOMATION).latest("id")
    assert entry.data["reminder_due"]["note"] == "Kundin zurückrufen"
    (notification,) = Notification.objects.filter(recipient=agent1, kind="reminder")
    assert notification.ticket == ticket


def test_an_agent_acting_on_the_ticket_takes_the_due_mark_off(ticket, agent1):
    due = timezone.now() + timedelta(minutes=5)
    reminders.reminder_set(ticket=ticket, actor=agent1, due_at=due)
    with time_machine.travel(due + timedelta(seconds=1)):
        reminders.process_due_reminders()
        ticket_reply(ticket=ticket, author=agent1, body="Ich habe angerufen.")
    assert Ticket.objects.get(pk=ticket.pk).follow_up_at is None


def test_a_new_reminder_replaces_the_old_one(ticket, agent1):
    reminders.reminder_set(ticket=ticket, actor=agent1, due_at=timezone.now() + timedelta(hours=1))
    reminders.reminder_set(ticket=ticket, actor=agent1, due_at=timezone.now() + timedelta(hours=3), status=Status.ON_HOLD)

    assert Reminder.objects.filter(ticket=ticket, cancelled_at__isnull=True).count() == 1
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert reminders.process_due_reminders() == 0


@pytest.mark.parametrize("kwargs, message", [
    ({"due_at": None}, "future"),
    ({"due_at": "past"}, "future"),
    ({"status": Status.SOLVED}, "waiting"),
])
def test_bad_reminders_are_refused(ticket, agent1, kwargs, message):
    from django.core.exceptions import ValidationError

    arguments = {"due_at": timezone.now() + timedelta(hours=1), **kwargs}
    if arguments["due_at"] == "past":
        arguments["due_at"] = timezone.now() - timedelta(minutes=1)
    with pytest.raises(ValidationError) as refused:
        reminders.reminder_set(ticket=ticket, actor=agent1, **arguments)
    assert message in str(refused.value)


def test_customers_cannot_set_reminders(ticket, customer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        reminders.reminder_set(ticket=ticket, actor=customer, due_at=timezone.now() + timedelta(hours=1))


def test_the_ticket_page_sets_a_reminder_and_the_queue_marks_it_due(login, agent1, ticket):
    client = login(agent1)
    due = timezone.localtime() + timedelta(days=1)
    response = client.post(reverse("reminder_set", args=[ticket.reference]),
                           {"due_at": due.strftime("%Y-%m-%dT%H:%M"), "note": "Fix prüfen", "status": "waiting"})
    assert response.status_code == 302
    assert 'class="bi bi-alarm icon"' in client.get(reverse("agent:queue"), {"status": "all"}).content.decode()
    page = client.get(reverse("agent:ticket", args=[ticket.reference])).content.decode()
    assert 'data-testid="follow-up"' in page and "Fix prüfen" in page
    with time_machine.travel(due + timedelta(minutes=1)):
        reminders.process_due_reminders()
        assert 'data-testid="follow-up-due"' in client.get(reverse("agent:queue")).content.decode()
    assert client.post(reverse("reminder_set", args=[ticket.reference]), {"due_at": "gestern"}).status_code == 302


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_reminder_fires_once_although_the_worker_was_killed_across_its_moment(
        ticket, agent1, private_celery_queue, tmp_path):
    from tests.conftest import start_celery, stop_celery

    reminders.reminder_set(ticket=ticket, actor=agent1, due_at=timezone.now() + timedelta(seconds=2))
    env = {"HELPDESK_SWEEP_SECONDS": "0.5"}
    worker = start_celery("worker", queue=private_celery_queue, workdir=tmp_path, name="w1", env_extra=env)
    beat = start_celery("beat", queue=private_celery_queue, workdir=tmp_path, name="b1", env_extra=env)
    os.kill(worker.pid, signal.SIGKILL)  # down across the due moment
    worker.wait(timeout=10)
    time.sleep(3)
    assert Reminder.objects.get().fired_at is None
    worker = start_celery("worker", queue=private_celery_queue, workdir=tmp_path, name="w2", env_extra=env)
    try:
        deadline = time.time() + 30
        while Reminder.objects.get().fired_at is None:
            assert time.time() < deadline, worker.log.read_text()[-3000:]
            time.sleep(0.2)
        time.sleep(2)  # more sweeps run: none fires it again
    finally:
        stop_celery(worker, beat)
    assert ticket.events.filter(kind=EventKind.AUTOMATION, data__has_key="reminder_due").count() == 1
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


@pytest.mark.parametrize("counts", [True, False])
def test_a_call_with_the_customer_is_recorded_and_counts_as_our_response_where_the_policy_says_so(
        policy, customer, agent1, login, counts):
    from escalation.models import ClockState, Metric, TicketClock
    from tests.factories import make_ticket
    from tickets.services import ticket_log_call

    policy.calls_count_as_response = counts
    policy.save()
    ticket = make_ticket(customer)
    event = ticket_log_call(ticket=ticket, actor=agent1, direction="outgoing", number="+49 30 123456", minutes=7,
                            summary="Router neu gestartet, Kundin bestätigt.")

    assert (event.kind, event.channel, event.is_public) == (EventKind.CALL, "phone", False)
    first = TicketClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)
    assert (first.state == ClockState.MET) is counts
    page = login(agent1).get(reverse("agent:ticket", args=[ticket.reference])).content.decode()
    assert "+49 30 123456" in page and "Router neu gestartet" in page
    assert "Router" not in login(customer).get(reverse("portal:ticket", args=[ticket.reference])).content.decode()


def test_a_call_is_recorded_from_the_ticket_page_and_refused_without_what_was_said(login, agent1, ticket):
    client = login(agent1)
    url = reverse("agent:ticket_action", args=[ticket.reference, "call"])
    assert client.post(url, {"direction": "incoming", "minutes": "3", "summary": ""}).status_code == 400
    assert client.post(url, {"direction": "incoming", "minutes": "3", "summary": "Fragt nach dem Stand.",
                             "with_customer": "on"}).status_code == 302
    assert ticket.events.filter(kind=EventKind.CALL, body="Fragt nach dem Stand.").exists()
