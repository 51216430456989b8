"""Escalation with the real parts: PostgreSQL, Redis, Celery beat and two Celery workers."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection

from escalation.models import ClockEvent, ClockEventKind, EscalationRule, Metric, RuleAction, SlaPolicy, SlaTarget
from escalation.tasks import sweep
from tickets import services as ticket_services
from tickets.models import EventKind, Priority, Status, Ticket
from tests.conftest import start_celery, stop_celery
from tests.factories import make_ticket

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def two_workers_and_beat(django_db_setup, private_celery_queue, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("escalation-workers")
    env = {"HELPDESK_SWEEP_SECONDS": "1"}
    workers = [start_celery("worker", queue=private_celery_queue, workdir=workdir, name=n, env_extra=env) for n in ("a", "b")]
    beat = start_celery("beat", queue=private_celery_queue, workdir=workdir, env_extra=env)
    yield workers
    stop_celery(beat, *workers)


@pytest.fixture
def five_second_sla(always, tiers, db):
    policy = SlaPolicy.objects.create(name="Fast", is_default=True, schedule=always)
    SlaTarget.objects.create(policy=policy, metric=Metric.TIER_TIME, priority=Priority.NORMAL,
                             duration=timedelta(seconds=5), business_hours=False, warn_at_percent=None)
    EscalationRule.objects.create(name="Climb", metric=Metric.TIER_TIME, action=RuleAction.NEXT_TIER)
    return policy


def wait_for(condition, timeout, message):
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, message()
        time.sleep(0.2)


def tiers_moved(ticket):
    return ticket.events.filter(kind=EventKind.TIER).count()


def test_a_breach_escalates_within_seconds_exactly_once_with_two_workers(two_workers_and_beat, five_second_sla, customer):
    tickets = [make_ticket(customer, subject=f"Printer {i}") for i in range(20)]
    due = max(t.next_breach_at for t in Ticket.objects.all())
    # Extra sweeps at once: both workers claim concurrently, on top of beat's sweep every second.
    time.sleep(max(0.0, (due - tickets[0].created_at).total_seconds() - 0.5))
    for _ in range(4):
        sweep.delay()

    wait_for(lambda: Ticket.objects.filter(tier__level=2).count() == 20, 20,
             lambda: "\n".join(w.log.read_text()[-2000:] for w in two_workers_and_beat))
    time.sleep(2)  # further sweeps run meanwhile; none may act again

    for ticket in tickets:
        assert tiers_moved(ticket) == 1
    escalations = ClockEvent.objects.filter(kind=ClockEventKind.ESCALATED)
    assert escalations.count() == 20
    assert max(e.latency for e in escalations) < timedelta(seconds=5)


def test_a_paused_clock_does_not_escalate(two_workers_and_beat, five_second_sla, customer, agent1):
    ticket = make_ticket(customer)
    ticket_services.ticket_change_status(ticket=ticket, actor=agent1, status=Status.WAITING)
    time.sleep(7)
    assert tiers_moved(ticket) == 0


def test_at_the_top_tier_a_breach_raises_priority_and_notifies(two_workers_and_beat, five_second_sla, customer, agent1, tier3, agent3):
    tier3.lead = agent3
    tier3.save()
    ticket = make_ticket(customer)
    ticket_services.ticket_escalate(ticket=ticket, actor=agent1, reason="Straight up", to_tier=tier3)

    wait_for(lambda: ticket.events.filter(kind=EventKind.AUTOMATION).exists(), 15, lambda: "no automation event")
    ticket.refresh_from_db()
    assert ticket.tier == tier3
    assert ticket.priority == Priority.HIGH
    assert agent3.sla_notifications.filter(kind="escalated").exists()


CLAIM_AND_HANG = """
import django, sys, time
django.setup()
from django.db import transaction
from escalation.models import TicketClock
with transaction.atomic():
    claimed = list(TicketClock.objects.select_for_update(skip_locked=True).filter(next_fire_at__isnull=False))
    print("claimed", len(claimed), flush=True)
    time.sleep(600)  # a worker that dies here, mid-transaction, holding its claims
"""


def test_a_worker_killed_mid_run_loses_nothing(two_workers_and_beat, five_second_sla, customer):
    ticket = make_ticket(customer)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.settings.test",
           "DJANGO_DB_NAME": connection.settings_dict["NAME"]}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    stuck = subprocess.Popen([sys.executable, "-c", CLAIM_AND_HANG], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert stuck.stdout.readline().startswith("claimed 1")
        time.sleep(7)  # due for two seconds: the other workers skip the claimed clock and do not act twice
        assert tiers_moved(ticket) == 0
    finally:
        stuck.send_signal(signal.SIGKILL)
        stuck.wait()

    wait_for(lambda: tiers_moved(ticket) == 1, 10, lambda: "not escalated after the crash")
    time.sleep(1.5)
    assert tiers_moved(ticket) == 1


def restart_redis():
    """Stop Redis without saving (everything queued is lost) and start it again as setup.sh does."""
    from django.conf import settings
    from redis import Redis

    subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"], check=False)
    time.sleep(1)
    subprocess.run(["redis-server", "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no",
                    "--daemonize", "yes"], check=True)
    client = Redis.from_url(settings.CELERY_BROKER_URL)
    wait_for(lambda: _pings(client), 10, lambda: "Redis did not come back")


def _pings(client):
    try:
        return client.ping()
    except Exception:
        return False


@pytest.mark.skipif(bool(os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL")),
                    reason="restarts the local Redis that setup.sh runs; not someone else's")
def test_a_redis_restart_loses_nothing(two_workers_and_beat, five_second_sla, customer):
    ticket = make_ticket(customer)
    restart_redis()  # the due moment lives in PostgreSQL, not in a queued task

    wait_for(lambda: tiers_moved(ticket) == 1, 40, lambda: "not escalated after the Redis restart:\n" + "\n".join(
        w.log.read_text()[-1500:] for w in two_workers_and_beat))
    time.sleep(1.5)
    assert tiers_moved(ticket) == 1
