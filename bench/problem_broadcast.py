#!/usr/bin/env python
"""Problem broadcast benchmark: a workaround told to 10,000 linked tickets by the real workers, while
agents keep using the pages.

    make bench-problems                 # or: scripts/bench.sh problems [--tickets 10000]

What it builds, each run from scratch: its own database (`helpdesk_bench_problems`: dropped, migrated,
`seed_demo`), --tickets customers (German and English, alternating) with one open ticket each, filed
through tickets.services.ticket_create, all linked to one problem by problems.services.
Then, with a Celery worker as `make run` starts it (`--concurrency 2`, prefork) and gunicorn with the
production settings (bench/http/settings.py, which adds the floor page `/bench-floor/`):
  1. idle: p50/p99 of the agent queue, a problem page and the floor page, --seconds each, from
     --connections client threads with an agent's session;
  2. broadcast: problems.services.problem_publish_workaround (hold: on); the same pages are measured
     in turns until the broadcast has finished; throughput = tickets / (publish -> last reply);
  3. floor of the broadcast: the database work of marking alone, in this process: one UPDATE per link
     in a savepoint, 100 per transaction (what a broadcast cannot do with less);
  4. correctness: each ticket exactly one workaround reply, in its customer's language, each on hold,
     one mail per ticket recorded in the outbox. Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOAL_SECONDS = 120.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--database", default="helpdesk_bench_problems")
    parser.add_argument("--redis-db", type=int, default=11)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (make run: 2)")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4, help="client threads asking for pages")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each idle page measurement")
    parser.add_argument("--timeout", type=float, default=900.0)
    return parser.parse_args()


ARGS = parse_args()
WORKDIR = ROOT / ".local" / "bench-problems"
REDIS_URL = f"{os.environ.get('REDIS_URL', 'redis://127.0.0.1:6379/0').rsplit('/', 1)[0]}/{ARGS.redis_db}"
QUEUE = f"bench-problems-{os.getpid()}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.local")
os.environ.update({
    "DJANGO_DB_NAME": ARGS.database, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "CACHE_URL": REDIS_URL,
    "CELERY_BROKER_URL": REDIS_URL, "CELERY_RESULT_BACKEND": REDIS_URL, "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend", "DJANGO_DEBUG": "false",
})
os.environ.setdefault("HELPDESK_ENCRYPTION_KEYS", __import__("base64").urlsafe_b64encode(secrets.token_bytes(32)).decode())
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


from bench.common import drop_database, setup_django  # noqa: E402

drop_database(ARGS.database)

setup_django(ARGS.database)

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from mailchannel.models import OutboundMessage  # noqa: E402
from problems import services as problem_services  # noqa: E402
from problems.models import Broadcast  # noqa: E402
from tickets import services as ticket_services  # noqa: E402
from tickets.models import Channel, EventKind, Profile, Status, Ticket, TicketEvent  # noqa: E402


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else float("nan")


def build():
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    engineer = get_user_model().objects.get(username="third1")
    problem = problem_services.problem_create(
        actor=engineer, title="VPN gateway drops tunnels", summary_de="Unser VPN trennt seit einem Update die Verbindung.",
        summary_en="Our VPN drops connections since an update.", workaround_de="Bitte neu verbinden.",
        workaround_en="Please reconnect.", resolution_de="Version 5.1.3 ist installiert.", resolution_en="Version 5.1.3 is installed.")
    User = get_user_model()
    started = time.monotonic()
    tickets = []
    for n in range(ARGS.tickets):
        language = ("de", "en")[n % 2]
        person = User.objects.create_user(username=f"bench{n}@example.com", email=f"bench{n}@example.com",
                                          first_name=f"Kunde{n}", password=None)
        Profile.objects.update_or_create(user=person, defaults={"language": language})
        tickets.append(ticket_services.ticket_create(requester=person, subject=f"VPN trennt ({n})",
                                                     description="Seit heute Morgen bricht der Tunnel ab.",
                                                     channel=Channel.WEB, notify=False))
        if n and n % 1000 == 0:
            log(f"  {n:,} tickets filed ({n / (time.monotonic() - started):.0f}/s)")
    log(f"{len(tickets):,} tickets filed in {time.monotonic() - started:.0f} s; linking them")
    started = time.monotonic()
    for chunk in range(0, len(tickets), 1000):
        problem_services.problem_link_tickets(problem=problem, actor=engineer, tickets=tickets[chunk:chunk + 1000])
    log(f"linked in {time.monotonic() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return problem, engineer


def start(command, logfile, env=None):
    return subprocess.Popen(command, cwd=ROOT, env=env or {**os.environ}, stdout=open(logfile, "w"), stderr=subprocess.STDOUT)


def start_gunicorn(port):
    static_root = WORKDIR / "static"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.http.settings", "BENCH_HTTP_STATIC_ROOT": str(static_root),
           "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SECURE_SSL_REDIRECT": "false",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    proc = start([sys.executable, "-m", "gunicorn", "-c", "helpdesk/gunicorn_conf.py", "helpdesk.wsgi:application", "--bind", f"127.0.0.1:{port}",
                  "--workers", str(ARGS.gunicorn_workers), "--log-level", "warning"], WORKDIR / "gunicorn.log", env)
    import requests

    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).status_code == 200:
                return proc
        except requests.RequestException:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer; see {WORKDIR / 'gunicorn.log'}")


def agent_cookie(user) -> dict:
    """A signed-in agent's session, made as a login makes it (the project's auth backends, the
    login record), so gunicorn takes it as the browser's."""
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


def load(base, path, cookies, seconds, stop=None):
    """--connections threads asking for `path` for `seconds` (or until `stop` is set); latencies in ms."""
    import requests

    latencies, errors = [], [0]
    deadline = time.monotonic() + seconds

    def run():
        with requests.Session() as client:
            client.cookies.update(cookies)
            while time.monotonic() < deadline and not (stop and stop.is_set()):
                began = time.perf_counter()
                answer = client.get(base + path, allow_redirects=False, timeout=30)
                latencies.append((time.perf_counter() - began) * 1000)
                if answer.status_code != 200:
                    errors[0] += 1

    threads = [threading.Thread(target=run) for _ in range(ARGS.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0]


def summary(latencies, errors):
    return {"n": len(latencies), "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99), "errors": errors}


def marking_floor(problem) -> float:
    """Rows per second for the database work of marking alone (one UPDATE per link in a savepoint)."""
    ids = list(problem.links.values_list("pk", flat=True))
    started = time.monotonic()
    for chunk in range(0, len(ids), 100):
        with transaction.atomic(), connection.cursor() as cursor:
            for pk in ids[chunk:chunk + 100]:
                with transaction.atomic():
                    cursor.execute("UPDATE problems_problemticket SET linked_at = linked_at WHERE id = %s", [pk])
    return len(ids) / (time.monotonic() - started)


def main() -> int:
    WORKDIR.mkdir(parents=True, exist_ok=True)
    import redis
    import socket

    redis.Redis.from_url(REDIS_URL).flushdb()
    log(f"building {ARGS.database}: migrate, seed_demo, {ARGS.tickets:,} tickets linked to one problem")
    problem, engineer = build()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    gunicorn = start_gunicorn(port)
    worker = start([sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "--concurrency", str(ARGS.concurrency),
                    "-Q", QUEUE, "-n", f"{QUEUE}@%h", "-l", "info", "--without-gossip", "--without-mingle"], WORKDIR / "worker.log")
    try:
        deadline = time.monotonic() + 60
        while " ready." not in (WORKDIR / "worker.log").read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the worker did not start:\n" + (WORKDIR / "worker.log").read_text(errors="replace"))
            time.sleep(0.1)
        cookies = agent_cookie(get_user_model().objects.get(username="first1"))
        pages = {"floor": "/bench-floor/", "queue": "/agent/?tier=all", "problem": f"/agent/problems/{problem.pk}/"}
        for path in pages.values():  # warm the caches and the connections
            load(base, path, cookies, 1.0)
        idle = {name: summary(*load(base, path, cookies, ARGS.seconds)) for name, path in pages.items()}

        log(f"publishing the workaround to {ARGS.tickets:,} tickets")
        published = timezone.now()
        broadcast = problem_services.problem_publish_workaround(problem=problem, actor=engineer, hold=True)
        during = {name: ([], 0) for name in pages}
        finished = threading.Event()

        def watch():
            while not Broadcast.objects.filter(pk=broadcast.pk, finished_at__isnull=False).exists():
                if time.monotonic() > deadline_all or worker.poll() is not None:
                    break
                time.sleep(0.5)
            finished.set()

        deadline_all = time.monotonic() + ARGS.timeout
        watcher = threading.Thread(target=watch)
        watcher.start()
        while not finished.is_set():
            for name, path in pages.items():
                latencies, errors = load(base, path, cookies, 2.0, stop=finished)
                during[name] = (during[name][0] + latencies, during[name][1] + errors)
        watcher.join()
        broadcast.refresh_from_db()
        replies = TicketEvent.objects.filter(kind=EventKind.REPLY, data__problem__step="workaround")
        last = replies.order_by("-created_at").values_list("created_at", flat=True).first()
        span = (last - published).total_seconds() if last else float("nan")
        during = {name: summary(*values) for name, values in during.items()}
    finally:
        for proc in (worker, gunicorn):
            proc.terminate()
        for proc in (worker, gunicorn):
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()

    floor_rate = marking_floor(problem)
    # Correctness.
    per_ticket = {}
    for ticket_id, body in replies.values_list("ticket_id", "body"):
        per_ticket.setdefault(ticket_id, []).append(body)
    languages = dict(Ticket.objects.values_list("pk", "requester__profile__language"))
    linked = set(problem.links.values_list("ticket_id", flat=True))
    wrong_language = sum(1 for pk, bodies in per_ticket.items()
                         if ("Bitte neu verbinden." if languages[pk] == "de" else "Please reconnect.") not in bodies[0])
    checks = {
        "every linked ticket answered": set(per_ticket) == linked,
        "exactly one reply each": {len(b) for b in per_ticket.values()} == {1},
        "in the customer's language": wrong_language == 0,
        "each on hold": not Ticket.objects.filter(pk__in=linked).exclude(status=Status.ON_HOLD).exists(),
        "one mail each in the outbox": OutboundMessage.objects.filter(event__in=replies).count() == len(linked),
        "broadcast counted": (broadcast.done, broadcast.skipped) == (len(linked), 0),
        "every page answered 200, idle and during": all(
            page["errors"] == 0 and page["n"] > 0 for page in [*idle.values(), *during.values()]),
    }

    rate = len(per_ticket) / span if span == span and span > 0 else 0.0
    print()
    print(f"## Problem broadcast: {ARGS.tickets:,} linked tickets, worker --concurrency {ARGS.concurrency}, "
          f"gunicorn {ARGS.gunicorn_workers} workers, {ARGS.connections} client threads")
    print()
    print("| figure | value |")
    print("|---|---|")
    print(f"| publish -> last reply | **{span:.1f} s** (goal < {GOAL_SECONDS:.0f} s: {'met' if span < GOAL_SECONDS else 'missed'}) |")
    print(f"| throughput | {rate:.0f} tickets/s |")
    print(f"| floor: marking alone, one process | {floor_rate:.0f} rows/s (broadcast = {rate / floor_rate:.2f} of it) |")
    print()
    print("| page | idle p50 / p99 ms | during p50 / p99 ms | p99 during / idle | p99 / floor p99 (during) | requests (errors) during |")
    print("|---|---|---|---|---|---|")
    for name in pages:
        i, d = idle[name], during[name]
        print(f"| {name} | {i['p50']:.1f} / {i['p99']:.1f} | {d['p50']:.1f} / {d['p99']:.1f} | {d['p99'] / i['p99']:.2f} | "
              f"{d['p99'] / during['floor']['p99']:.2f} | {d['n']} ({d['errors']}) |")
    print()
    for name, ok in checks.items():
        print(f"- {name}: {'ok' if ok else 'FAILED'}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
