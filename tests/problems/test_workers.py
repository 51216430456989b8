"""A broadcast with the real parts: PostgreSQL, Redis, Celery workers and beat. A worker killed in the
middle of telling 300 customers the workaround leaves no one told twice and no one forgotten."""

import os
import signal
import time

import pytest

from mailchannel.models import OutboundMessage
from problems import services
from problems.models import Broadcast
from tests.conftest import start_celery, stop_celery
from tests.factories import CustomerFactory, make_ticket
from tickets.models import EventKind, TicketEvent

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TICKETS = 300
ENV = {"HELPDESK_BROADCAST_BATCH": "10", "HELPDESK_BROADCAST_STALE_SECONDS": "2"}


def wait_for(condition, timeout, message):
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, message()
        time.sleep(0.02)


def test_a_worker_killed_halfway_through_a_broadcast_is_resumed_without_doubling(
        agent3, tiers, private_celery_queue, tmp_path, settings):
    settings.HELPDESK_BROADCAST_PARALLELISM = 1  # one worker holds the broadcast when it is killed
    problem = services.problem_create(actor=agent3, title="VPN drops", summary_en="The VPN drops.",
                                      summary_de="Das VPN trennt.", workaround_en="Reconnect.",
                                      workaround_de="Neu verbinden.")
    customers = [CustomerFactory(profile__language=("de", "en")[i % 2]) for i in range(TICKETS)]
    tickets = [make_ticket(c, subject=f"VPN {i}", notify=False) for i, c in enumerate(customers)]
    services.problem_link_tickets(problem=problem, actor=agent3, tickets=tickets)

    first = start_celery("worker", queue=private_celery_queue, workdir=tmp_path, name="first", env_extra=ENV)
    broadcast = services.problem_publish_workaround(problem=problem, actor=agent3)
    progress = Broadcast.objects.filter(pk=broadcast.pk)
    wait_for(lambda: progress.get().done >= 30, 60, lambda: first.log.read_text()[-3000:])
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    stopped = progress.get()
    assert stopped.finished_at is None and 30 <= stopped.done < TICKETS, "killed halfway"

    # A new worker and beat: beat finds the broadcast silent and hands it to the live worker.
    second = start_celery("worker", queue=private_celery_queue, workdir=tmp_path, name="second", env_extra=ENV)
    beat = start_celery("beat", queue=private_celery_queue, workdir=tmp_path, name="beat", env_extra=ENV)
    try:
        wait_for(lambda: progress.get().finished_at is not None, 90, lambda: second.log.read_text()[-3000:])
        time.sleep(3)  # beat's next sweep runs meanwhile: it finds nothing to resume
    finally:
        stop_celery(second, beat)

    finished = progress.get()
    assert (finished.done, finished.skipped) == (TICKETS, 0)
    told = TicketEvent.objects.filter(kind=EventKind.REPLY, data__problem__step="workaround")
    per_ticket = {}
    for ticket_id, body in told.values_list("ticket_id", "body"):
        per_ticket.setdefault(ticket_id, []).append(body)
    assert sorted(per_ticket) == sorted(t.pk for t in tickets)
    assert {len(bodies) for bodies in per_ticket.values()} == {1}
    for ticket, customer in zip(tickets, customers):
        expected = "Neu verbinden." if customer.profile.language == "de" else "Reconnect."
        assert expected in per_ticket[ticket.pk][0]
    # One mail per customer recorded for delivery, none twice.
    mails = OutboundMessage.objects.filter(ticket__in=tickets)
    assert mails.count() == TICKETS and mails.values("ticket").distinct().count() == TICKETS
