#!/usr/bin/env python
"""SLA escalation benchmark: 100,000 open tickets, 10,000 of them breaching within the same minute.

    make bench-sla                   # or: scripts/bench.sh sla [--tickets 100000 --due 10000]

Builds a dedicated database (`helpdesk_bench`), fills it with COPY, then measures
  1. the sweep when nothing is due (the beat task that runs every 10 s, all day long),
  2. escalating all due tickets with the real stack: Celery beat (every 10 s) and one Celery worker
     with two processes (as `make run` starts them), PostgreSQL and Redis,
  3. the latency from each due moment to its escalation (p50/p99/max), and that each ticket was
     escalated exactly once.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000, help="tickets whose time at tier breaches in the same minute")
    parser.add_argument("--spread", type=int, default=60, help="the due moments are spread over this many seconds")
    parser.add_argument("--database", default="helpdesk_bench")
    parser.add_argument("--lead-time", type=float, default=30.0, help="seconds from start of the workers to the first due moment")
    parser.add_argument("--timeout", type=float, default=300.0)
    return parser.parse_args()


ARGS = parse_args()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.local")
os.environ["DJANGO_DB_NAME"] = ARGS.database
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")
os.environ.setdefault("CELERY_RESULT_BACKEND", "redis://127.0.0.1:6379/13")
os.environ["CELERY_TASK_DEFAULT_QUEUE"] = f"bench-{os.getpid()}"
os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

from bench.common import setup_django  # noqa: E402

setup_django(ARGS.database)

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from escalation import services  # noqa: E402
from escalation.models import (  # noqa: E402
    BusinessInterval, ClockEvent, EscalationRule, Metric, RuleAction, Schedule, SlaPolicy, SlaTarget,
)
from tickets.models import Priority, Ticket, Tier  # noqa: E402


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def copy_rows(table, columns, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_from(buffer, table, columns=columns)


def build(first_due):
    log("migrating and clearing the benchmark database")
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE tickets_ticket, tickets_ticketevent, escalation_ticketclock, escalation_clockevent, "
            "escalation_notification, escalation_slapolicy, escalation_slatarget, escalation_schedule, "
            "escalation_escalationrule, tickets_tier CASCADE"
        )
    tiers = [Tier.objects.create(level=level, name=f"{level}. Level") for level in (1, 2, 3)]
    schedule = Schedule.objects.create(name="24/7")
    for day in range(7):
        BusinessInterval.objects.create(schedule=schedule, weekday=day, start="00:00", end="00:00")
    policy = SlaPolicy.objects.create(name="Bench", is_default=True, schedule=schedule)
    hour = timedelta(hours=1)
    for metric, duration in ((Metric.FIRST_RESPONSE, hour), (Metric.RESOLUTION, 24 * hour), (Metric.TIER_TIME, 8 * hour)):
        SlaTarget.objects.create(policy=policy, metric=metric, priority=Priority.NORMAL, duration=duration,
                                 business_hours=False, warn_at_percent=None)
    EscalationRule.objects.create(name="Climb", metric=Metric.TIER_TIME, action=RuleAction.NEXT_TIER)
    requester, _ = get_user_model().objects.get_or_create(username="bench@example.com", defaults={"email": "bench@example.com"})

    now = timezone.now()
    log(f"inserting {ARGS.tickets:,} tickets, their first events and three clocks each (COPY)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM tickets_ticket")
    ticket_rows, event_rows, clock_rows = [], [], []
    for i in range(1, ARGS.tickets + 1):
        created = now - timedelta(hours=1, seconds=i % 3600)
        offset = timedelta(seconds=ARGS.spread * i / ARGS.due)
        due_tier = first_due + offset if i <= ARGS.due else now + timedelta(days=1 + i % 30)
        ticket_rows.append((i, f"BENCH-{i:07d}", f"Benchmark ticket {i}", "Generated", requester.pk, None, None,
                            Priority.NORMAL, "open", tiers[0].pk, None, created, created, None, due_tier))
        event_rows.append((i, "created", requester.pk, True, "Generated", "{}", created))
        started_tier = due_tier - 8 * hour
        clock_rows.append((i, Metric.TIER_TIME, policy.pk, "8:00:00", False, None, "running", started_tier, started_tier,
                           "0", due_tier, None, None, None, None, due_tier))
        clock_rows.append((i, Metric.RESOLUTION, policy.pk, "24:00:00", False, None, "running", created, created,
                           "0", created + 24 * hour + timedelta(days=30), None, None, None, None,
                           created + 24 * hour + timedelta(days=30)))
        clock_rows.append((i, Metric.FIRST_RESPONSE, policy.pk, "1:00:00", False, None, "met", created, None,
                           "0:10:00", None, None, None, None, created + timedelta(minutes=10), None))
    copy_rows("tickets_ticket", ["id", "reference", "subject", "description", "requester_id", "organisation_id",
                                 "category_id", "priority", "status", "tier_id", "assignee_id", "created_at",
                                 "updated_at", "solved_at", "next_breach_at"], ticket_rows)
    copy_rows("tickets_ticketevent", ["ticket_id", "kind", "actor_id", "is_public", "body", "data", "created_at"], event_rows)
    copy_rows("escalation_ticketclock", ["ticket_id", "metric", "policy_id", "target", "business_hours", "warn_at_percent",
                                         "state", "started_at", "running_since", "consumed", "due_at", "warn_at",
                                         "warned_at", "breached_at", "stopped_at", "next_fire_at"], clock_rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval('tickets_ticket_id_seq', (SELECT max(id) FROM tickets_ticket))")
        cursor.execute("ANALYZE")


def idle_sweep():
    """The sweep beat runs every 10 s while nothing is due: it must be an index lookup, not a scan."""
    durations = []
    for _ in range(200):
        started = time.perf_counter()
        assert services.process_due_clocks() == 0
        durations.append((time.perf_counter() - started) * 1000)
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS) SELECT id FROM escalation_ticketclock WHERE next_fire_at <= now() "
            "ORDER BY next_fire_at LIMIT 100 FOR UPDATE SKIP LOCKED"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    durations.sort()
    return statistics.median(durations), durations[int(len(durations) * 0.99) - 1], plan


def start(role, extra, logfile):
    env = {**os.environ}
    command = [sys.executable, "-m", "celery", "-A", "helpdesk", *extra, "-l", "warning"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=open(logfile, "w"), stderr=subprocess.STDOUT)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    workdir = ROOT / ".local" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    first_due = timezone.now() + timedelta(seconds=ARGS.lead_time + 120)
    build(first_due)
    log(f"data built in {time.perf_counter() - started:.0f} s")

    idle_p50, idle_p99, plan = idle_sweep()
    log(f"idle sweep: p50 {idle_p50:.2f} ms, p99 {idle_p99:.2f} ms")

    # Due moments relative to now: shift the whole minute so the workers have time to start.
    first_due_new = timezone.now() + timedelta(seconds=ARGS.lead_time)
    shift = first_due_new - first_due
    with connection.cursor() as cursor:
        cursor.execute("UPDATE escalation_ticketclock SET due_at = due_at + %s, next_fire_at = next_fire_at + %s, "
                       "started_at = started_at + %s, running_since = running_since + %s "
                       "WHERE metric = 'tier_time' AND ticket_id <= %s", [shift, shift, shift, shift, ARGS.due])
        cursor.execute("UPDATE tickets_ticket SET next_breach_at = next_breach_at + %s WHERE id <= %s", [shift, ARGS.due])
    first_due = first_due_new

    log("starting Celery: one worker with two processes, and beat (sweep every 10 s)")
    worker = start("worker", ["worker", "--concurrency", "2", "-Q", os.environ["CELERY_TASK_DEFAULT_QUEUE"],
                              "-n", f"bench-{os.getpid()}@%h", "--without-gossip", "--without-mingle"], workdir / "worker.log")
    beat = start("beat", ["beat", "-s", str(workdir / "beat-schedule"), "--pidfile="], workdir / "beat.log")
    try:
        deadline = time.time() + ARGS.lead_time + ARGS.timeout
        escalated = 0
        while time.time() < deadline:
            escalated = ClockEvent.objects.filter(kind="escalated").count()
            if escalated >= ARGS.due:
                break
            time.sleep(1)
        time.sleep(12)  # one more beat period: nothing may be escalated twice
    finally:
        worker.terminate()
        beat.terminate()
        worker.wait(30)
        beat.wait(30)

    events = list(ClockEvent.objects.filter(kind="escalated").values_list("due_at", "created_at"))
    latencies = [(ran - due).total_seconds() for due, ran in events]
    last_ran = max(ran for _, ran in events) if events else None
    moves = Ticket.objects.filter(id__lte=ARGS.due, tier__level=2).count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM (SELECT ticket_id FROM tickets_ticketevent WHERE kind = 'tier' "
                       "GROUP BY ticket_id HAVING count(*) > 1) twice")
        twice = cursor.fetchone()[0]
    wrongly = Ticket.objects.filter(id__gt=ARGS.due).exclude(tier__level=1).count()

    print()
    print(f"## SLA escalation benchmark ({ARGS.tickets:,} open tickets, {ARGS.due:,} breaching within {ARGS.spread} s)")
    print()
    print("| measure | result |")
    print("| --- | --- |")
    print(f"| sweep with nothing due (p50 / p99 of 200 runs) | {idle_p50:.2f} ms / {idle_p99:.2f} ms |")
    print(f"| tickets escalated | {len(events):,} of {ARGS.due:,} (moved to 2nd level: {moves:,}) |")
    print(f"| escalated more than once / wrongly | {twice} / {wrongly} |")
    if events:
        span = (last_ran - first_due).total_seconds()
        print(f"| time from the first due moment to the last escalation | {span:.1f} s |")
        print(f"| time from the last due moment to the last escalation | {span - ARGS.spread:.1f} s |")
        print(f"| latency due -> escalated p50 / p99 / max | {percentile(latencies, 0.5):.1f} s / "
              f"{percentile(latencies, 0.99):.1f} s / {max(latencies):.1f} s |")
    print()
    print("Claim query plan (nothing due):")
    print()
    print("```")
    print(plan)
    print("```")


if __name__ == "__main__":
    main()
