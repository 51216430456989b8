#!/usr/bin/env python
"""Mail intake benchmark: 10,000 mails in a real IMAP mailbox become tickets through the real worker.

    make bench-mail                               # or: scripts/bench.sh mail [--messages 10000]
    make bench-mail ARGS="--rate 40 --steady-seconds 300"
    make bench-mail ARGS="--messages 2000 --profile always"

What it builds, each run from scratch:
  - its own database (`helpdesk_bench_mail`, dropped, created and migrated), seeded with three tiers,
    the categories, an SLA policy on business hours and two escalation rules (as bench-http seeds them);
  - its own MEDIA_ROOT (.local/bench-mail/media, emptied), its own redis-server (a child process on a
    free port: the test suite restarts the shared one, which empties queues and has killed a worker
    mid-run; --shared-redis uses setup.sh's Redis, database --redis-db 12) and a private Celery queue;
  - its own dovecot (tests/mailservers.py's Dovecot class: fresh temp dirs, free ports) with one user
    and a Mailbox row pointing at it (127.0.0.1, imap_security "none", no per-sender hold:
    max_new_tickets_per_hour 1,000,000).

The mails (generated, seeded): German and English (about 65/35), plain text or multipart/alternative
(text + HTML), some HTML-only, some in ISO-8859-1, quoted-printable or 8-bit, signatures, a few Cc'd
colleagues, forwards, about 6 % with small attachments (PDF, PNG, DOCX, logs; 5-300 KB), inline
images, from ~2,000 senders (so most senders write several times); about 12 % are replies to one of
the sender's earlier mails (In-Reply-To/References), which must thread into that ticket. Exactly one
mail carries a 25 MiB PDF (base64, ~34 MB on the wire): over the 10 MB attachment limit, so it is
left out with a note and the sender told, as the helpdesk does.

Phases:
  1. APPEND the --messages mails (before any timing; --append-connections IMAP connections in
     parallel, in rounds, so every reply has a higher UID than the mail it answers).
  2. Backlog: start the worker as `make run` does (`celery -A helpdesk worker --concurrency 2`,
     prefork, -l info) and beat (HELPDESK_MAIL_FETCH_SECONDS = --poll, default 30 as in the
     settings). The benchmark sends beat's own task, `fetch_all_mailboxes`, with the options of the
     beat schedule, the moment the worker is ready (it enqueues `fetch_mailbox` for each of the
     HELPDESK_MAIL_FETCH_PARALLELISM shares of the mailbox), so the clock starts at a known moment
     instead of at beat's first tick; beat runs from then on and its own fetches find the shares
     locked while the backlog runs. Throughput = mails / (that moment -> the last
     InboundMessage.processed_at, which commits with its ticket).
  3. Steady state: mail arrives continuously at --rate per second for --steady-seconds while beat
     polls; latency = processed_at - arrived_at (IMAP INTERNALDATE, whole seconds: up to 1 s too
     high) p50/p99/max, and the same from the end of each APPEND as the client saw it (sub-second).
  4. Floor: with the worker stopped, the same backlog mails fetched again by the same code path
     (imap.connect, _batches, FETCH BODY.PEEK[] INTERNALDATE, _mark_done; in as many forked
     processes as there are fetch shares) but only stored raw (services.store_inbound, into a second,
     inactive Mailbox row). Intake is reported as a share of this floor.
  5. Correctness: one InboundMessage per mail, every one processed exactly once (one created or
     reply event per mail, tickets + replies = mails), every IMAP message flagged
     $HelpdeskProcessed, one confirmation per ticket delivered, the big mail's file left out with a
     note. Exit status 1 when any check fails (missed goals only print "missed"). How many replies
     threaded into their ticket is shown too, not counted in the exit status.
  6. Profile (--profile auto: when the throughput goal is missed): receive_message in-process on
     fresh mails of the same mix (new senders, same share of first mails): ms per mail without
     profiler, a cProfile of --profile-messages mails, and SQL queries per mail with
     CaptureQueriesContext, grouped by statement.

Memory: VmRSS and VmHWM of the worker's main process and each pool process (and beat), read from
/proc every --sample-ms; the peak per process is the highest VmHWM seen. DEBUG is off as in
production (bench-http does the same; --debug keeps settings.local's DEBUG=True).
"""

from __future__ import annotations

import argparse
import cProfile
import imaplib
import io
import os
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_RATE = 100.0  # messages/s, backlog
GOAL_LATENCY_SLACK = 5.0  # p99 <= poll interval + this
GOAL_RSS_MB = 300.0  # per worker process
BIG_BYTES = 25 * 1024 * 1024


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000, help="mails in the backlog")
    parser.add_argument("--senders", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database", default="helpdesk_bench_mail")
    parser.add_argument("--shared-redis", action="store_true",
                        help="use the Redis of setup.sh (database --redis-db) instead of a private redis-server")
    parser.add_argument("--redis-db", type=int, default=12, help="Redis database with --shared-redis")
    parser.add_argument("--poll", type=float, default=30.0, help="HELPDESK_MAIL_FETCH_SECONDS for beat")
    parser.add_argument("--rate", type=float, default=20.0, help="mails per second arriving in the steady phase")
    parser.add_argument("--steady-seconds", type=float, default=180.0, help="length of the steady phase (0: skip)")
    parser.add_argument("--append-connections", type=int, default=4, help="parallel IMAP connections for APPEND")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (make run: 2)")
    parser.add_argument("--sample-ms", type=float, default=150.0, help="memory sampling interval")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds the backlog may take")
    parser.add_argument("--profile", choices=["auto", "always", "never"], default="auto",
                        help="profile receive_message in-process (auto: when the throughput goal is missed)")
    parser.add_argument("--profile-messages", type=int, default=500)
    parser.add_argument("--debug", action="store_true", help="keep DEBUG=True (settings.local's default)")
    parser.add_argument("--no-big", action="store_true", help="leave out the 25 MiB mail")
    return parser.parse_args()


ARGS = parse_args()
WORKDIR = ROOT / ".local" / "bench-mail"
MEDIA = WORKDIR / "media"


def start_private_redis() -> tuple[subprocess.Popen, str]:
    """A redis-server of our own on a free port, a child of this process: the test suite restarts
    the shared one (tests/escalation/test_workers.py, "shutdown nosave"), which empties the queue and
    has killed a benchmark's worker mid-run."""
    import socket

    directory = WORKDIR / "redis"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for _ in range(3):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                                 "--dir", str(directory), "--logfile", str(directory / "redis.log")],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            ping = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "ping"], capture_output=True, text=True)
            if ping.stdout.strip() == "PONG":
                return proc, f"redis://127.0.0.1:{port}/0"
            time.sleep(0.1)
        if proc.poll() is None:
            proc.terminate()
    raise RuntimeError(f"redis-server did not start; see {directory / 'redis.log'}")


if ARGS.shared_redis:
    REDIS_PROC = None
    REDIS_URL = f"{os.environ.get('REDIS_URL', 'redis://127.0.0.1:6379/0').rsplit('/', 1)[0]}/{ARGS.redis_db}"
else:
    REDIS_PROC, REDIS_URL = start_private_redis()
    os.environ["REDIS_URL"] = REDIS_URL
QUEUE = f"bench-mail-{os.getpid()}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.local")
os.environ["DJANGO_DB_NAME"] = ARGS.database
os.environ["DJANGO_MEDIA_ROOT"] = str(MEDIA)
os.environ["CACHE_URL"] = REDIS_URL
os.environ["CELERY_BROKER_URL"] = REDIS_URL
os.environ["CELERY_RESULT_BACKEND"] = REDIS_URL
os.environ["CELERY_TASK_DEFAULT_QUEUE"] = QUEUE
os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
os.environ["HELPDESK_MAIL_FETCH_SECONDS"] = str(ARGS.poll)
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
if not ARGS.debug:
    os.environ["DJANGO_DEBUG"] = "false"


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the machine ---------------------------------------------------------------------------------

from bench.common import machine_lines  # noqa: E402

MACHINE = machine_lines()  # before anything of ours adds to the load


def code_line() -> str:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    dirty = [line for line in git("status", "--porcelain", "--untracked-files=no").splitlines() if line.strip()]
    return (f"code: commit {git('rev-parse', '--short', 'HEAD') or '?'}"
            + (f" with {len(dirty)} changed tracked files in the working tree" if dirty else ", clean tree"))


MACHINE.append(code_line())


from bench.common import drop_database, setup_django  # noqa: E402

drop_database(ARGS.database)

setup_django(ARGS.database)

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from escalation.models import BusinessInterval, EscalationRule, Metric, RuleAction, Schedule, SlaPolicy, SlaTarget  # noqa: E402
from mailchannel import imap, services  # noqa: E402
from mailchannel.models import InboundMessage, InboundStatus, Mailbox, OutboundMessage, Security  # noqa: E402
from tickets.models import Attachment, Category, Priority, Ticket, TicketEvent, Tier  # noqa: E402

# The IMAP server of the tests; the module imports pytest (only for its fixtures and messages).
from tests.mailservers import DEFAULT_PASSWORD, DEFAULT_USER, Dovecot  # noqa: E402

# Everything Django would import lazily (URLconf, views and what they import), now: the code of this
# process is then the code the worker started with, even if the tree is edited during the run.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns

# --- seed ----------------------------------------------------------------------------------------------

CATEGORIES = ["Account & Login", "Billing", "E-mail", "Network & VPN", "Hardware", "Software", "Access requests", "Other"]
SLA_TARGETS = {  # as bench-http and seed_demo: first response, next response, resolution, time at tier (hours)
    Priority.LOW: (8, 16, 40, 16), Priority.NORMAL: (4, 8, 24, 8), Priority.HIGH: (1, 4, 8, 4), Priority.URGENT: (0.5, 1, 4, 1),
}


def seed() -> None:
    from datetime import time as clock_time

    call_command("migrate", verbosity=0)
    for level in (1, 2, 3):
        Tier.objects.create(level=level, name=f"{level}. Level")
    for name in CATEGORIES:
        Category.objects.create(name=name)
    schedule = Schedule.objects.create(name="Bürozeiten", time_zone="Europe/Berlin")
    for day in range(5):
        BusinessInterval.objects.create(schedule=schedule, weekday=day, start=clock_time(8), end=clock_time(12))
        BusinessInterval.objects.create(schedule=schedule, weekday=day, start=clock_time(13), end=clock_time(17))
    policy = SlaPolicy.objects.create(name="Standard", is_default=True, schedule=schedule, position=100)
    metrics = (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION, Metric.TIER_TIME)
    for priority, hours in SLA_TARGETS.items():
        for metric, h in zip(metrics, hours):
            SlaTarget.objects.create(policy=policy, metric=metric, priority=priority, duration=timedelta(hours=h),
                                     business_hours=priority != Priority.URGENT)
    EscalationRule.objects.create(name="Zeit im Level überschritten: ein Level höher", position=10,
                                  metric=Metric.TIER_TIME, action=RuleAction.NEXT_TIER)
    EscalationRule.objects.create(name="Lösungszeit überschritten: Priorität erhöhen", position=20,
                                  metric=Metric.RESOLUTION, action=RuleAction.NOTIFY, raise_priority=True)


# --- mail ----------------------------------------------------------------------------------------------

FIRST = {"de": ["Anna", "Lukas", "Sophie", "Jonas", "Marie", "Felix", "Laura", "Paul", "Lea", "Tim", "Julia", "Max",
                "Jürgen", "Sören", "Bärbel", "Günther", "Katrin", "Stefan", "Monika", "Uwe"],
         "en": ["Emma", "Oliver", "Mia", "James", "Grace", "Henry", "Chloe", "Jack", "Ruby", "Sam", "Olivia", "Harry"]}
LAST = {"de": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Koch",
               "Schäfer", "Bauer", "Groß", "Köhler", "Weiß"],
        "en": ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright", "Hughes", "Green", "O'Neill"]}
COMPANY_WORDS = ["logistik", "bau", "consulting", "medien", "handel", "technik", "energie", "pharma", "software", "versand",
                 "kanzlei", "praxis", "autohaus", "druckerei", "stadtwerke"]
FREEMAIL = ["gmx.de", "web.de", "t-online.de", "gmail.com", "outlook.com", "yahoo.co.uk", "posteo.de"]
MAILERS = ["Microsoft Outlook 16.0", "Mozilla Thunderbird 128.5", "Apple Mail (2.3776)", "Roundcube Webmail/1.6.9",
           "Microsoft Exchange Server", "K-9 Mail for Android"]

SUBJECTS = {
    "de": ["Drucker im {n}. OG druckt nicht", "VPN-Verbindung bricht ständig ab", "Passwort vergessen",
           "Rechnung {n} doppelt abgebucht", "Zugang für neue Kollegin", "Outlook startet nicht mehr",
           "Bestellung {n}: Lieferung fehlt", "Fehlermeldung beim Login: Konto gesperrt",
           "Bitte um Rückruf wegen Vertragsverlängerung", "Laptop nach Update sehr langsam",
           "Freigabe für Laufwerk S: benötigt", "Monitor flackert", "E-Mails kommen nicht an",
           "Änderung der Rechnungsadresse", "Office-Lizenz läuft ab", "Dringend: Kasse {n} geht nicht",
           "Frage zur Rechnung vom {d}", "Telefonanlage: kein Freizeichen", "Zugangsdaten für das Portal", ""],
    "en": ["Printer on floor {n} not working", "VPN keeps disconnecting", "Forgot my password",
           "Invoice {n} charged twice", "Access for a new colleague", "Outlook won't start",
           "Order {n}: delivery missing", "Login error: account locked", "Please call me back about the renewal",
           "Laptop very slow after the update", "Need access to the shared drive", "Screen flickering",
           "Emails not arriving", "Change of billing address", "Licence expiring", "URGENT: till {n} down",
           "Question about the invoice of {d}", "Phone system: no dial tone", "Portal login details", ""],
}
GREETINGS = {"de": ["Hallo,", "Guten Tag,", "Sehr geehrte Damen und Herren,", "Hallo Support-Team,", "Moin,", "Hallo zusammen,"],
             "en": ["Hi,", "Hello support team,", "Dear Sir or Madam,", "Hello,", "Hi there,"]}
PARAGRAPHS = {
    "de": [
        "seit heute Morgen funktioniert {thing} nicht mehr. Ich habe den Rechner schon neu gestartet, leider ohne Erfolg.",
        "beim Anmelden erscheint die Meldung „Ihr Konto wurde gesperrt“. Ich habe mein Passwort erst letzte Woche geändert.",
        "wir haben die Rechnung Nr. {n} zweimal erhalten und beide Beträge wurden abgebucht. Bitte prüfen Sie das und erstatten Sie den doppelten Betrag.",
        "unsere neue Kollegin fängt am Montag an und braucht einen Zugang zu {thing} sowie eine E-Mail-Adresse.",
        "der Fehler tritt nur auf, wenn ich über das WLAN im Besprechungsraum verbunden bin. Über Kabel geht alles.",
        "ich erreiche telefonisch niemanden, deshalb schreibe ich Ihnen. Es ist wirklich dringend, da wir sonst nicht arbeiten können.",
        "im Anhang finden Sie einen Screenshot der Fehlermeldung. Die Nummer des Geräts ist {n}.",
        "können Sie mir bitte sagen, bis wann das erledigt sein wird? Wir haben am {d} einen wichtigen Termin.",
        "die Lieferung zur Bestellung {n} ist bis heute nicht angekommen, obwohl die Sendungsverfolgung „zugestellt“ anzeigt.",
        "nach dem letzten Update startet {thing} nur noch mit einer weißen Seite. Auf dem zweiten Rechner ist es genauso.",
        "bitte ändern Sie unsere Rechnungsadresse ab sofort auf: Hauptstraße {n}, 80331 München.",
        "außerdem wäre es schön, wenn Sie mir kurz erklären könnten, wie ich das in Zukunft selbst einstellen kann.",
        "Fehlercode: 0x{hex} – laut Internet hat das etwas mit den Zertifikaten zu tun, aber da kenne ich mich nicht aus.",
    ],
    "en": [
        "since this morning {thing} has stopped working. I've already restarted the computer, no luck.",
        "when I log in I get \"Your account has been locked\". I only changed my password last week.",
        "we received invoice no. {n} twice and both amounts were debited. Please check and refund the duplicate.",
        "our new colleague starts on Monday and needs access to {thing} and an email address.",
        "it only happens on the meeting room Wi-Fi. With a cable everything works fine.",
        "I can't reach anyone by phone, so I'm writing instead. It's urgent because we can't work like this.",
        "attached is a screenshot of the error. The device number is {n}.",
        "could you let me know when this will be fixed? We have an important deadline on {d}.",
        "the delivery for order {n} still hasn't arrived although tracking says \"delivered\".",
        "after the last update {thing} only shows a blank page. Same on the second machine.",
        "please change our billing address to 12 High Street, London, from now on.",
        "also, could you briefly explain how I can set this up myself next time?",
        "Error code: 0x{hex} - apparently it has to do with certificates, but that's beyond me.",
    ],
}
THINGS = {"de": ["der Drucker", "das VPN", "Outlook", "das Warenwirtschaftssystem", "die Zeiterfassung", "das Kassensystem",
                 "Teams", "das Laufwerk S:", "der Scanner"],
          "en": ["the printer", "the VPN", "Outlook", "the ERP system", "time tracking", "the till system", "Teams",
                 "the shared drive", "the scanner"]}
CLOSINGS = {"de": ["Vielen Dank im Voraus!", "Danke und viele Grüße", "Mit freundlichen Grüßen", "Beste Grüße", "VG"],
            "en": ["Thanks in advance,", "Best regards,", "Kind regards,", "Cheers,", "Thanks!"]}
REPLY_TEXTS = {"de": ["Nachtrag: Es betrifft auch die Kollegen im Lager.", "Hat sich leider noch nicht erledigt, gibt es schon etwas Neues?",
                      "Danke, jetzt funktioniert es wieder!", "Ich habe es gerade noch einmal probiert, gleicher Fehler.",
                      "Anbei noch die Seriennummer: {n}.", "Können Sie mich bitte heute noch anrufen? Tel. 089 {n}."],
               "en": ["One more thing: it affects the warehouse team too.", "Still not fixed, any news?",
                      "Thanks, it's working again!", "Just tried again, same error.", "Here's the serial number: {n}.",
                      "Could you please call me today? Phone 020 {n}."]}


def _ascii(text: str) -> str:
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("Ä", "ae"), ("Ö", "oe"), ("Ü", "ue"), ("'", "")):
        text = text.replace(a, b)
    return text.lower()


class Sender:
    def __init__(self, rng: random.Random, number: int, prefix: str):
        self.language = "de" if rng.random() < 0.65 else "en"
        self.first, self.last = rng.choice(FIRST[self.language]), rng.choice(LAST[self.language])
        if rng.random() < 0.25:
            domain = rng.choice(FREEMAIL)
        else:
            domain = f"{_ascii(rng.choice(LAST[self.language]))}-{rng.choice(COMPANY_WORDS)}{number % 400}.example"
        self.email = f"{_ascii(self.first)}.{_ascii(self.last)}.{prefix}{number}@{domain}"
        self.name = f"{self.first} {self.last}"
        self.domain = domain
        self.company = domain.split(".")[0].replace("-", " ").title()
        self.mailer = rng.choice(MAILERS)
        self.latin1 = self.language == "de" and rng.random() < 0.15
        self.html = rng.random()  # < 0.45: sends text + HTML; < 0.5: HTML only


class MailFactory:
    """Seeded mails of the realistic mix. `placed` holds new-ticket mails that are already in the
    mailbox (so a reply to one of them has a higher UID and is fetched after it)."""

    def __init__(self, seed: int, senders: int, prefix: str = "s"):
        self.rng = random.Random(seed)
        self.senders = [Sender(self.rng, n, prefix) for n in range(senders)]
        self.placed: list[tuple[Sender, str, str, str]] = []  # sender, message id, subject, text
        self.pending: list[tuple[Sender, str, str, str]] = []
        self.kinds: dict[str, str] = {}  # message id -> "new" / "reply"
        self.serial = 0

    def commit(self) -> None:
        """The mails made so far are in the mailbox: replies may refer to them from now on."""
        self.placed.extend(self.pending)
        self.pending.clear()

    def _fill(self, template: str, language: str) -> str:
        rng = self.rng
        day = (datetime(2026, 12, 1) + timedelta(days=rng.randint(1, 40))).strftime("%d.%m.%Y" if language == "de" else "%d %b %Y")
        return template.format(n=rng.randint(2, 99999), d=day, thing=rng.choice(THINGS[language]), hex=f"{rng.getrandbits(32):08X}")

    def _text(self, sender: Sender) -> str:
        rng, lang = self.rng, sender.language
        paragraphs = [self._fill(p, lang) for p in rng.sample(PARAGRAPHS[lang], rng.randint(1, 4))]
        paragraphs[0] = paragraphs[0][0].upper() + paragraphs[0][1:] if lang == "en" else paragraphs[0]
        text = rng.choice(GREETINGS[lang]) + "\n\n" + "\n\n".join(paragraphs)
        if rng.random() < 0.08:  # a pasted log
            lines = [f"2026-12-0{rng.randint(1, 9)} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d} "
                     f"{rng.choice(['ERROR', 'WARN', 'INFO'])} [{rng.choice(['spooler', 'vpnagent', 'outlook', 'sync'])}] "
                     f"{rng.choice(['connection reset by peer', 'certificate verify failed', 'timeout after 30000 ms', 'retrying'])}"
                     for _ in range(rng.randint(20, 200))]
            text += "\n\n" + "\n".join(lines)
        signature = f"{sender.name}\n{sender.company}\nTel. +49 89 {rng.randint(100000, 999999)}" if lang == "de" else \
            f"{sender.name}\n{sender.company}\nPhone +44 20 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
        return f"{text}\n\n{rng.choice(CLOSINGS[lang])}\n{sender.first}\n\n-- \n{signature}\n"

    @staticmethod
    def _html(text: str) -> str:
        body = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in
                       text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").split("\n\n"))
        return ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
                "<style>p.MsoNormal{margin:0cm;font-size:11pt;font-family:Calibri,sans-serif}</style></head>"
                f"<body lang=\"DE\"><div class=\"WordSection1\">{body}</div></body></html>")

    def _attachment(self, message: EmailMessage) -> None:
        rng = self.rng
        kind = rng.choice(["pdf", "pdf", "png", "png", "docx", "log"])
        size = rng.randint(5_000, 300_000)
        if kind == "pdf":
            data = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + rng.randbytes(size) + b"\n%%EOF\n"
            name = rng.choice(["Rechnung_März.pdf", "invoice.pdf", "Lieferschein.pdf", "Vertrag.pdf", "scan0001.pdf"])
            message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
        elif kind == "png":
            data = b"\x89PNG\r\n\x1a\n" + rng.randbytes(size)
            message.add_attachment(data, maintype="image", subtype="png", filename=rng.choice(["Screenshot.png", "Fehler.png", "image001.png"]))
        elif kind == "docx":
            data = b"PK\x03\x04" + rng.randbytes(size)
            message.add_attachment(data, maintype="application",
                                   subtype="vnd.openxmlformats-officedocument.wordprocessingml.document", filename="Antrag Zugang.docx")
        else:
            lines = "\n".join(f"{i:06d} worker[{rng.randint(100, 999)}]: job {rng.randint(1, 10**6)} done" for i in range(size // 50))
            message.add_attachment(lines, subtype="plain", filename="export.log")

    def mail(self, *, big: bool = False, allow_reply: bool = True) -> tuple[str, bytes]:
        rng = self.rng
        self.serial += 1
        reply_to = None
        if allow_reply and self.placed and not big and rng.random() < 0.12:
            reply_to = rng.choice(self.placed)
            sender = reply_to[0]
        else:
            sender = rng.choice(self.senders)
        lang = sender.language
        message = EmailMessage(policy=email_policy.SMTP)
        message["From"] = formataddr((sender.name, sender.email))
        message["To"] = formataddr(("Support", DEFAULT_USER))
        forward = reply_to is None and rng.random() < 0.02
        if reply_to is not None:
            _s, parent_id, parent_subject, parent_text = reply_to
            subject = ("AW: " if lang == "de" else "Re: ") + (parent_subject or "")
            quote = "\n".join("> " + line for line in parent_text.splitlines()[:30])
            intro = (f"Am {format_datetime(timezone.now() - timedelta(hours=2))} schrieb {sender.name} <{sender.email}>:"
                     if lang == "de" else f"On {format_datetime(timezone.now() - timedelta(hours=2))}, {sender.name} <{sender.email}> wrote:")
            text = f"{self._fill(rng.choice(REPLY_TEXTS[lang]), lang)}\n\n{sender.first}\n\n{intro}\n{quote}\n"
            message["In-Reply-To"] = f"<{parent_id}>"
            message["References"] = f"<{parent_id}>"
        else:
            subject = self._fill(rng.choice(SUBJECTS[lang]), lang)
            text = self._text(sender)
            if forward:
                subject = ("WG: " if lang == "de" else "Fwd: ") + (subject or "Anfrage")
                text = ("Bitte um Prüfung, danke.\n\n-------- Weitergeleitete Nachricht --------\n"
                        f"Von: Kunde <kunde{self.serial}@example.net>\nBetreff: {subject}\n\n" + text)
        if big:
            subject = "Unterschriebener Vertrag (Scan)" if lang == "de" else "Signed contract (scan)"
            text = ("Anbei der unterschriebene Vertrag als Scan.\n\n" if lang == "de" else "Please find the signed contract attached.\n\n") + text
        message["Subject"] = subject
        message["Date"] = format_datetime(timezone.localtime())
        domain = sender.domain
        message_id = f"{uuid.UUID(int=rng.getrandbits(128)).hex}@{domain}"
        message["Message-ID"] = f"<{message_id}>"
        message["MIME-Version"] = "1.0"
        message["X-Mailer"] = sender.mailer
        if rng.random() < 0.3:
            message["Content-Language"] = "de-DE" if lang == "de" else "en-GB"
        if rng.random() < 0.05 and reply_to is None:
            message["Cc"] = formataddr((f"{rng.choice(FIRST[lang])} {sender.last}", f"kollege{rng.randint(1, 50)}@{domain}"))
        charset = "iso-8859-1" if sender.latin1 and _encodable(text, "iso-8859-1") else "utf-8"
        cte = rng.choice(["quoted-printable", "8bit"]) if charset == "utf-8" else "quoted-printable"
        if sender.html < 0.05 and reply_to is None:  # HTML only
            message.set_content(self._html(text), subtype="html", charset="utf-8", cte="quoted-printable")
        else:
            message.set_content(text, charset=charset, cte=cte)
            if sender.html < 0.45:
                message.add_alternative(self._html(text), subtype="html", charset="utf-8", cte="quoted-printable")
                if rng.random() < 0.02:  # an inline logo in the HTML part
                    html_part = message.get_payload()[1]
                    html_part.add_related(b"\x89PNG\r\n\x1a\n" + rng.randbytes(rng.randint(2_000, 20_000)),
                                          maintype="image", subtype="png", cid="<image001@01DB4A2C>", filename="image001.png")
        if big:
            data = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
            data += rng.randbytes(BIG_BYTES - len(data) - 7) + b"\n%%EOF\n"
            assert len(data) == BIG_BYTES
            message.add_attachment(data, maintype="application", subtype="pdf", filename="Vertrag_unterschrieben_Scan.pdf")
        elif rng.random() < 0.06:
            for _ in range(1 if rng.random() < 0.8 else 2):
                self._attachment(message)
        if reply_to is None:
            self.pending.append((sender, message_id, subject, text))
        self.kinds[message_id] = "reply" if reply_to is not None else "new"
        return message_id, message.as_bytes(policy=email_policy.SMTP)


def _encodable(text: str, charset: str) -> bool:
    try:
        text.encode(charset)
        return True
    except UnicodeEncodeError:
        return False


def append_backlog(dovecot: Dovecot, factory: MailFactory, count: int, connections: int) -> tuple[int, float]:
    """APPEND `count` mails in rounds; within a round `connections` clients append in parallel, and
    replies refer only to mails of earlier rounds. Returns (bytes, seconds)."""
    big_at = -1 if ARGS.no_big else count // 2
    round_size = max(100, min(1000, count // 10))
    total_bytes = 0
    started = time.perf_counter()
    clients = []
    for _ in range(connections):
        client = imaplib.IMAP4(dovecot.host, dovecot.port, timeout=120)
        client.login(DEFAULT_USER, DEFAULT_PASSWORD)
        clients.append(client)
    try:
        done = 0
        while done < count:
            batch = []
            for n in range(done, min(count, done + round_size)):
                batch.append(factory.mail(big=n == big_at)[1])
            total_bytes += sum(len(raw) for raw in batch)
            errors = []

            def push(client, raws):
                try:
                    for raw in raws:
                        typ, data = client.append("INBOX", None, None, raw)
                        if typ != "OK":
                            raise RuntimeError(f"APPEND failed: {typ} {data!r}")
                except Exception as error:  # noqa: BLE001 - reported below
                    errors.append(error)

            threads = [threading.Thread(target=push, args=(client, batch[i::connections])) for i, client in enumerate(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if errors:
                raise errors[0]
            factory.commit()
            done += len(batch)
            if done % (round_size * 3) == 0 or done == count:
                log(f"  appended {done:,} of {count:,}")
    finally:
        for client in clients:
            try:
                client.logout()
            except Exception:  # noqa: BLE001
                pass
    return total_bytes, time.perf_counter() - started


# --- processes and /proc -----------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _status(pid: int) -> dict[str, int]:
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                values[key] = int(value.split()[0])  # kB
    except OSError:
        pass
    return values


def _cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return None


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _descendants(pid: int) -> list[int]:
    found, todo = [], _children(pid)
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(_children(child))
    return found


def _busy_seconds() -> float:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / CLOCK_TICKS


class Sampler(threading.Thread):
    """Every `interval` s: VmRSS/VmHWM of the worker's processes (and beat), and CPU time of the
    worker, beat, dovecot and the PostgreSQL backends of the benchmark database (those every 1 s)."""

    def __init__(self, interval: float, dovecot_pid: int):
        super().__init__(daemon=True)
        self.interval = interval
        self.dovecot_pid = dovecot_pid
        self.worker_pid: int | None = None
        self.beat_pid: int | None = None
        self.memory: dict[int, dict] = {}  # pid -> {role, rss, hwm, first_seen, peak_at}
        self.cpu: dict[int, tuple[str, float]] = {}  # pid -> (group, last cpu seconds)
        self.backends: set[int] = set()
        self.others: set[tuple[int, str]] = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self._last_backend_scan = 0.0

    def _scan_backends(self) -> None:
        found, others = set(), set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres:") and f" {ARGS.database} " in title:
                found.add(int(entry.name))
            elif title.startswith(("postgres", "/usr/lib/postgresql")):
                others.add((int(entry.name), "postgres (other)"))
            elif title.startswith("redis-server"):
                others.add((int(entry.name), "redis"))
        self.backends, self.others = found, others

    def sample(self) -> None:
        now = time.monotonic()
        if now - self._last_backend_scan > 1.0:
            self._scan_backends()
            self._last_backend_scan = now
        groups: dict[int, str] = {os.getpid(): "benchmark process"}
        watched: dict[int, str] = {}
        if self.worker_pid:
            watched[self.worker_pid] = "worker main"
            for child in _children(self.worker_pid):
                watched[child] = "worker pool"
        if self.beat_pid:
            watched[self.beat_pid] = "beat"
        for pid, role in watched.items():
            groups[pid] = f"{role} {pid}" if role.startswith("worker") else "beat"
        for pid, group in self.others:
            groups[pid] = group
        groups[self.dovecot_pid] = "dovecot"
        for pid in _descendants(self.dovecot_pid):
            groups[pid] = "dovecot"
        for pid in self.backends:
            groups[pid] = "postgres (bench DB)"
        with self.lock:
            for pid, role in watched.items():
                values = _status(pid)
                if not values:
                    continue
                entry = self.memory.setdefault(pid, {"role": role, "rss": 0, "hwm": 0, "peak_at": None})
                if values.get("VmRSS", 0) > entry["rss"]:
                    entry["rss"], entry["peak_at"] = values["VmRSS"], time.time()
                entry["hwm"] = max(entry["hwm"], values.get("VmHWM", 0))
            for pid, group in groups.items():
                used = _cpu(pid)
                if used is not None:
                    self.cpu[pid] = (group, used)

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            self.sample()

    def cpu_snapshot(self) -> dict[int, tuple[str, float]]:
        self.sample()
        with self.lock:
            return dict(self.cpu)


class Phase:
    """CPU seconds per group between two moments (a process seen only at the end counts from 0)."""

    def __init__(self, sampler: Sampler):
        self.sampler = sampler
        self.first = sampler.cpu_snapshot()
        self.busy = _busy_seconds()
        self.wall = time.perf_counter()

    def end(self) -> tuple[float, dict[str, float], float]:
        last = self.sampler.cpu_snapshot()
        wall = time.perf_counter() - self.wall
        busy = _busy_seconds() - self.busy
        per_group: Counter = Counter()
        for pid, (group, used) in last.items():
            per_group[group] += used - self.first.get(pid, (group, 0.0))[1]
        return wall, dict(per_group), busy


def cpu_text(wall: float, groups: dict[str, float], busy: float) -> str:
    capacity = wall * (os.cpu_count() or 1)
    parts = [f"{name} {seconds / capacity:.0%}" for name, seconds in sorted(groups.items(), key=lambda kv: -kv[1]) if seconds > 0.05 * wall / 100]
    others = max(0.0, busy - sum(groups.values()))
    return (f"of {os.cpu_count()} cores over {wall:.0f} s: " + ", ".join(parts)
            + f", everything else {others / capacity:.0%}, idle {max(0.0, 1 - busy / capacity):.0%}")


def start_celery(extra: list[str], logfile: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "helpdesk", *extra], cwd=ROOT, env={**os.environ},
                            stdout=open(logfile, "w"), stderr=subprocess.STDOUT)


def stop_process(proc: subprocess.Popen | None, timeout: float = 60) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


# --- phases ------------------------------------------------------------------------------------------


def wait_processed(mailbox: Mailbox, target: int, deadline: float, procs: list[subprocess.Popen], what: str) -> int:
    last_log = time.monotonic()
    done = 0
    while time.monotonic() < deadline:
        done = InboundMessage.objects.filter(mailbox=mailbox, processed_at__isnull=False).count()
        if done >= target:
            return done
        if any(proc.poll() is not None for proc in procs):
            log(f"  a Celery process exited ({[proc.poll() for proc in procs]}); see {WORKDIR}")
            return done
        if time.monotonic() - last_log >= 15:
            log(f"  {what}: {done:,} of {target:,} processed")
            last_log = time.monotonic()
        time.sleep(0.5)
    return done


def steady_mails(factory: MailFactory) -> list[tuple[str, bytes]]:
    mails = []
    for _ in range(int(ARGS.rate * ARGS.steady_seconds)):
        mails.append(factory.mail())
        factory.commit()  # appended one by one: a later mail may answer an earlier one
    return mails


def steady_phase(dovecot: Dovecot, mails: list[tuple[str, bytes]]) -> tuple[dict[str, tuple[float, float]], float]:
    """Mail arriving at ARGS.rate per second for ARGS.steady_seconds over one IMAP connection, paced
    by the clock (a slow APPEND is caught up, not dropped). Returns {message id: (sent, appended)}."""
    sent: dict[str, tuple[float, float]] = {}
    started = time.time()
    with dovecot.imap() as client:
        for i, (message_id, raw) in enumerate(mails):
            target = started + i / ARGS.rate
            pause = target - time.time()
            if pause > 0:
                time.sleep(pause)
            before = time.time()
            typ, data = client.append("INBOX", None, None, raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND failed: {typ} {data!r}")
            sent[message_id] = (before, time.time())
    return sent, time.time() - started


def fetch_stats(logfile: Path, since: float | None = None) -> list[tuple[int, float]]:
    """(mails, seconds) of each fetch that found mail, from the worker's log (imap.fetch_and_record)."""
    pattern = re.compile(r"Mailbox bench: (\d+) mails in ([\d.]+) s")
    try:
        return [(int(m.group(1)), float(m.group(2))) for m in pattern.finditer(logfile.read_text(errors="replace"))]
    except OSError:
        return []


def _floor_share(box_id: int, uids: list[int], results) -> None:
    """One share of the floor, in a process of its own (forked): the code path of imap.fetch for
    these UIDs, but store_inbound instead of receive_message."""
    box = Mailbox.objects.get(pk=box_id)
    stored = 0
    with imap.connect(box) as client:
        folder = client.select_folder(box.imap_folder)
        keywords = b"\\*" in folder.get(b"PERMANENTFLAGS", ())
        sizes = {uid: data.get(b"RFC822.SIZE", 0) for uid, data in client.fetch(uids, ["RFC822.SIZE"]).items()}
        for batch in imap._batches(sizes):
            messages = client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
            done = []
            for uid in batch:
                data = messages.pop(uid, None)
                if data is None:
                    continue
                services.store_inbound(mailbox=box, raw=data.get(b"BODY[]") or b"", source="imap",
                                       arrived_at=data.get(b"INTERNALDATE"))
                stored += 1
                done.append(uid)
                del data
            imap._mark_done(client, box, done, keywords=keywords)
    results.put(stored)


def floor(dovecot: Dovecot, uids: list[int], shares: int) -> tuple[int, float]:
    """The backlog fetched again over IMAP, only stored raw, into a Mailbox row of its own (so that
    every mail is new to it), by as many processes as the worker fetches with (UID % shares)."""
    import multiprocessing

    from django.db import connections

    box = Mailbox.objects.create(name="bench-floor", address="floor@bench-floor.invalid", is_active=False,
                                 imap_host=dovecot.host, imap_port=dovecot.port, imap_security=Security.NONE,
                                 imap_user=DEFAULT_USER, imap_password=DEFAULT_PASSWORD)
    connections.close_all()  # each forked process opens its own
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    started = time.perf_counter()
    procs = [context.Process(target=_floor_share, args=(box.pk, [u for u in uids if u % shares == share], results))
             for share in range(shares)]
    for proc in procs:
        proc.start()
    stored = sum(results.get(timeout=ARGS.timeout) for _ in procs)
    for proc in procs:
        proc.join()
    return stored, time.perf_counter() - started


# --- profile -------------------------------------------------------------------------------------------

STATEMENT = re.compile(r'^\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b(.*)$',
                       re.IGNORECASE | re.DOTALL)
TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"', re.IGNORECASE)


def _statement_key(sql: str) -> str:
    match = STATEMENT.match(sql)
    if not match:
        return sql.split()[0].upper() if sql.split() else "?"
    verb = match.group(1).upper()
    if "SAVEPOINT" in verb:
        return verb
    table = TABLE.search(sql)
    extra = " FOR UPDATE" if "FOR UPDATE" in sql.upper() else ""
    if verb == "SELECT" and " EXISTS" in sql.upper()[:40]:
        extra += " (exists)"
    if verb == "SELECT" and "COUNT(" in sql.upper()[:60]:
        extra += " (count)"
    return f"{verb} {table.group(1) if table else '?'}{extra}"


def _xact_commits() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


INTERESTING = [  # (module path ending, function): the costs the report names
    ("mailchannel/services.py", "receive_message"), ("mailchannel/services.py", "store_inbound"),
    ("mailchannel/services.py", "process_inbound"), ("mailchannel/services.py", "_process"),
    ("mailchannel/parsing.py", "message_key"), ("mailchannel/parsing.py", "parse_headers"), ("mailchannel/parsing.py", "parse"),
    ("mailchannel/parsing.py", "new_text"), ("mailchannel/parsing.py", "html_to_text"), ("mailchannel/parsing.py", "sanitise_html"),
    ("mailchannel/services.py", "_read_raw"), ("mailchannel/services.py", "find_ticket"),
    ("mailchannel/outbound.py", "own_addresses"), ("mailchannel/services.py", "_open_ticket"),
    ("mailchannel/services.py", "_add_reply"), ("mailchannel/services.py", "_collaborators"),
    ("tickets/services.py", "customer_create_from_contact"), ("tickets/services.py", "ticket_create"),
    ("tickets/services.py", "ticket_reply"), ("tickets/services.py", "_next_reference"), ("tickets/services.py", "_record"),
    ("escalation/clocks.py", "on_ticket_event"), ("mailchannel/outbound.py", "record_event_mail"),
    ("mailchannel/outbound.py", "record_mail"), ("mailchannel/outbound.py", "mailbox_for_ticket"),
    ("django/template/loader.py", "render_to_string"), ("django/template/loader.py", "select_template"),
    ("django/core/files/storage/base.py", "save"), ("django/core/files/storage/filesystem.py", "exists"),
    ("django/contrib/auth/hashers.py", "make_password"),
    ("django/db/backends/utils.py", "execute"), ("django/db/backends/base/base.py", "commit"),
    ("celery/app/task.py", "delay"),
]


def plans() -> list[str]:
    """The plans of the per-mail lookups whose cost grows with the data: the sender's account by
    address (case-insensitive) and the per-sender rate limit over all inbound mail."""
    from django.contrib.auth import get_user_model

    from mailchannel.models import InboundReason

    address = (InboundMessage.objects.filter(mailbox__name="bench").exclude(from_address="")
               .values_list("from_address", flat=True).first() or "x@example.test")
    queries = {
        f"the sender's account (services._process, User email__iexact; {get_user_model().objects.count():,} users)":
            get_user_model().objects.filter(email__iexact=address, is_active=True).order_by("pk")[:1],
        f"the rate limit (services._open_ticket, InboundMessage from_address__iexact; {InboundMessage.objects.count():,} rows)":
            InboundMessage.objects.filter(mailbox_id=Mailbox.objects.get(name="bench").pk, from_address__iexact=address, received_at__gte=timezone.now() - timedelta(hours=1),
                                          reason__in=[InboundReason.NEW_TICKET, InboundReason.FOLLOW_UP]),
    }
    lines = []
    for title, queryset in queries.items():
        lines.append(f"plan of {title}:")
        lines.extend("    " + line for line in queryset.explain(analyze=True).splitlines())
    return lines


def profile(n: int) -> list[str]:
    """receive_message in this process on fresh mails (new senders, the same share of first mails and
    replies as the backlog), with real commits and the on-commit delivery tasks enqueued (into the
    private queue, which nobody consumes any more)."""
    box = Mailbox.objects.create(name="bench-profile", address="profile@bench-profile.invalid", is_active=False,
                                 max_new_tickets_per_hour=1_000_000)
    lines = []
    passes = iter(range(3))

    def feed(count):
        """Fresh senders for each pass, as many per mail as in the backlog (so as many first mails)."""
        number = next(passes)
        factory = MailFactory(ARGS.seed + 7 + number, senders=max(5, count * ARGS.senders // max(ARGS.messages, 1)),
                              prefix=f"p{number}-")
        for _ in range(count):
            _mid, raw = factory.mail()
            factory.commit()
            yield raw

    # a) wall time per mail, nothing attached
    timings = []
    commits = _xact_commits()
    for raw in feed(200):
        started = time.perf_counter()
        services.receive_message(mailbox=box, raw=raw, source="imap", arrived_at=timezone.now())
        timings.append((time.perf_counter() - started) * 1000)
    time.sleep(1.2)  # PostgreSQL publishes its transaction counters at most once a second
    commits = (_xact_commits() - commits) / 200
    lines.append(f"receive_message without profiler, 200 mails: mean {statistics.mean(timings):.1f} ms, "
                 f"p50 {percentile(timings, 0.5):.1f} ms, p99 {percentile(timings, 0.99):.1f} ms "
                 f"(= {1000 / statistics.mean(timings):.0f} mails/s in one process); "
                 f"~{commits:.1f} PostgreSQL transactions committed per mail")

    # b) SQL per mail
    per_mail, sql_ms, kinds, kind_ms = [], [], Counter(), Counter()
    for raw in feed(200):
        with CaptureQueriesContext(connection) as captured:
            services.receive_message(mailbox=box, raw=raw, source="imap", arrived_at=timezone.now())
        per_mail.append(len(captured.captured_queries))
        sql_ms.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        for query in captured.captured_queries:
            key = _statement_key(query["sql"])
            kinds[key] += 1
            kind_ms[key] += float(query["time"]) * 1000
    reset_queries()
    lines.append(f"SQL per mail (200 mails): mean {statistics.mean(per_mail):.1f} queries (min {min(per_mail)}, "
                 f"max {max(per_mail)}), {statistics.mean(sql_ms):.1f} ms of SQL round trips per mail")
    lines.append("most frequent statements (per mail, ms per mail):")
    for key, count in kinds.most_common(18):
        lines.append(f"    {count / 200:5.2f}  {kind_ms[key] / 200:6.2f} ms  {key}")

    # c) cProfile
    profiler = cProfile.Profile()
    raws = list(feed(n))
    profiler.enable()
    for raw in raws:
        services.receive_message(mailbox=box, raw=raw, source="imap", arrived_at=timezone.now())
    profiler.disable()
    path = WORKDIR / "receive_message.prof"
    profiler.dump_stats(str(path))
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    table = {}
    for (filename, _line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():
        for suffix, function in INTERESTING:
            if name == function and filename.endswith(suffix):
                current = table.get((suffix, function))
                if current is None or cumtime > current[1]:
                    table[(suffix, function)] = (calls, cumtime, tottime)
    lines.append(f"cProfile of receive_message, {n} mails: {total:.1f} s in total, {total / n * 1000:.1f} ms per mail "
                 f"(profiler overhead included); saved to {path.relative_to(ROOT)}")
    lines.append("    calls/mail  ms/mail  share  function (cumulative)")
    for (suffix, function), (calls, cumtime, _tottime) in sorted(table.items(), key=lambda kv: -kv[1][1]):
        lines.append(f"    {calls / n:9.2f}  {cumtime / n * 1000:7.2f}  {cumtime / total:5.0%}  {suffix}:{function}")
    lines.extend(plans())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    lines.append("top 25 by own time (tottime):")
    body = out.getvalue()
    body = body[body.find("   ncalls"):] if "   ncalls" in body else body
    lines.extend("    " + line.replace(str(ROOT) + "/", "").replace(sys.prefix + "/", "") for line in body.rstrip().splitlines())
    return lines


def big_mail_memory(dovecot: Dovecot) -> list[str]:
    """Where the memory for the 25 MiB mail goes, with tracemalloc in this process: the IMAP fetch of
    it (as imap.fetch does), then parsing.parse and receive_message on those bytes."""
    import tracemalloc

    from mailchannel import parsing

    box = Mailbox.objects.create(name="bench-memory", address="memory@bench-memory.invalid", is_active=False,
                                 imap_host=dovecot.host, imap_port=dovecot.port, imap_security=Security.NONE,
                                 imap_user=DEFAULT_USER, imap_password=DEFAULT_PASSWORD, max_new_tickets_per_hour=1_000_000)
    mb = 1024 * 1024
    lines = []
    with imap.connect(box) as client:
        client.select_folder(box.imap_folder, readonly=True)
        uids = client.search(["LARGER", BIG_BYTES])
        if not uids:
            return ["no mail over 25 MiB on the server"]
        tracemalloc.start()
        data = client.fetch(uids[:1], ["BODY.PEEK[]", "INTERNALDATE"])[uids[0]]
        current, peak = tracemalloc.get_traced_memory()
        raw = data[b"BODY[]"]
        lines.append(f"IMAP FETCH BODY.PEEK[] of the {len(raw) / mb:.1f} MiB mail (IMAPClient): peak {peak / mb:.0f} MiB, "
                     f"{current / mb:.0f} MiB held afterwards")
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    parsing.parse(raw)
    lines.append(f"parsing.parse on those bytes: peak {(tracemalloc.get_traced_memory()[1] - base) / mb:.0f} MiB on top of them")
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    services.receive_message(mailbox=box, raw=raw, source="imap", arrived_at=timezone.now())
    lines.append(f"services.receive_message on those bytes: peak {(tracemalloc.get_traced_memory()[1] - base) / mb:.0f} MiB on top of them")
    tracemalloc.stop()
    return lines


# --- main --------------------------------------------------------------------------------------------


def main() -> int:
    for line in MACHINE:
        log(line)
    for child in WORKDIR.iterdir() if WORKDIR.exists() else ():
        if child.name != "redis":  # the private Redis runs from there already
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    MEDIA.mkdir(parents=True)
    import redis

    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()

    log(f"building {ARGS.database}: migrate, tiers, categories, SLA policy")
    seed()
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        synchronous_commit = cursor.fetchone()[0]
    shares = getattr(settings, "HELPDESK_MAIL_FETCH_PARALLELISM", 1)

    conf_dir = Path(tempfile.mkdtemp(prefix="bench-mail-dovecot-conf-"))
    store_dir = Path(tempfile.mkdtemp(prefix="bench-mail-dovecot-"))
    store_dir.chmod(0o755)
    dovecot = Dovecot(conf_dir, store_dir)
    worker = beat = None
    sampler = None
    try:
        dovecot.start()
        log(f"dovecot on 127.0.0.1:{dovecot.port} (started in {dovecot.startup_seconds:.2f} s), user {DEFAULT_USER}")
        mailbox = Mailbox.objects.create(
            name="bench", address=DEFAULT_USER, display_name="Bench Support", language="de", is_default=True,
            imap_host=dovecot.host, imap_port=dovecot.port, imap_security=Security.NONE, imap_user=DEFAULT_USER,
            imap_password=DEFAULT_PASSWORD, max_new_tickets_per_hour=1_000_000,
        )

        factory = MailFactory(ARGS.seed, ARGS.senders)
        log(f"generating and appending {ARGS.messages:,} mails over {ARGS.append_connections} IMAP connections")
        total_bytes, append_seconds = append_backlog(dovecot, factory, ARGS.messages, ARGS.append_connections)
        backlog_ids = set(factory.kinds)
        with dovecot.imap() as client:
            client.select("INBOX", readonly=True)
            backlog_uids = [int(u) for u in client.uid("SEARCH", "ALL")[1][0].split()]
        log(f"appended {len(backlog_uids):,} mails, {total_bytes / 1e6:.0f} MB, in {append_seconds:.0f} s "
            f"({len(backlog_uids) / append_seconds:.0f}/s); replies among them: "
            f"{sum(1 for k in factory.kinds.values() if k == 'reply'):,}")

        sampler = Sampler(ARGS.sample_ms / 1000, dovecot._proc.pid)
        sampler.start()
        node = f"{QUEUE}@%h"
        worker = start_celery(["worker", "--concurrency", str(ARGS.concurrency), "-Q", QUEUE, "-n", node, "-l", "info",
                               "--without-gossip", "--without-mingle"], WORKDIR / "worker.log")
        sampler.worker_pid = worker.pid
        deadline = time.monotonic() + 60
        while " ready." not in (WORKDIR / "worker.log").read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the worker did not start:\n" + (WORKDIR / "worker.log").read_text(errors="replace"))
            time.sleep(0.1)
        log(f"worker ready (pid {worker.pid}, pool {_children(worker.pid)}); sending beat's fetch_all_mailboxes, "
            f"starting beat (every {ARGS.poll:g} s)")

        from mailchannel.tasks import fetch_all_mailboxes

        phase = Phase(sampler)
        t0 = timezone.now()
        # Exactly what beat's "mail-fetch" entry sends (settings.CELERY_BEAT_SCHEDULE), once, now.
        fetch_all_mailboxes.apply_async(**settings.CELERY_BEAT_SCHEDULE["mail-fetch"].get("options", {}))
        beat = start_celery(["beat", "-s", str(WORKDIR / "beat-schedule"), "--pidfile=", "-l", "info"], WORKDIR / "beat.log")
        sampler.beat_pid = beat.pid
        done = wait_processed(mailbox, len(backlog_uids), time.monotonic() + ARGS.timeout, [worker, beat], "backlog")
        backlog_cpu = phase.end()
        backlog = InboundMessage.objects.filter(mailbox=mailbox, message_id__in=backlog_ids)
        last = backlog.exclude(processed_at=None).order_by("-processed_at").values_list("processed_at", flat=True).first()
        first_stored = backlog.order_by("received_at").values_list("received_at", flat=True).first()
        span = (last - t0).total_seconds() if last else float("nan")
        rate = done / span if last else 0.0
        log(f"backlog: {done:,} mails in {span:.1f} s = {rate:.1f} mails/s")
        fetches_backlog = fetch_stats(WORKDIR / "worker.log")
        broken = worker.poll() is not None or beat.poll() is not None
        if broken:
            log(f"a Celery process ended during the backlog (worker {worker.poll()}, beat {beat.poll()}): "
                f"no steady phase; see {WORKDIR.relative_to(ROOT)}/worker.log")

        sent, steady_wall = {}, 0.0
        steady_cpu = None
        if ARGS.steady_seconds > 0 and not broken:
            log(f"steady phase: {ARGS.rate:g} mails/s for {ARGS.steady_seconds:g} s while beat polls every {ARGS.poll:g} s")
            mails = steady_mails(factory)
            phase = Phase(sampler)
            sent, steady_wall = steady_phase(dovecot, mails)
            log(f"  appended {len(sent):,} in {steady_wall:.1f} s ({len(sent) / steady_wall:.1f}/s); waiting for the last ones")
            # Enough time for the slowest plausible drain: twice what the backlog rate needs, plus polls.
            drain = max(4 * ARGS.poll + 180, 2 * len(sent) / max(rate, 1.0) + 4 * ARGS.poll)
            wait_processed(mailbox, len(backlog_uids) + len(sent), time.monotonic() + drain, [worker, beat], "steady")
            steady_cpu = phase.end()
        # One more poll with nothing new: nothing may be processed twice; let the outbox drain.
        time.sleep(ARGS.poll + 5)
        # Deliveries run at the lowest priority (mailchannel.tasks.DELIVERY_PRIORITY): after the
        # backlog they drain last, some minutes behind the tickets.
        deadline = time.monotonic() + 600
        while OutboundMessage.objects.filter(status="pending").exists() and time.monotonic() < deadline:
            time.sleep(1)
        stop_process(beat)
        stop_process(worker)
        sampler.stop.set()
        sampler.join()
        fetches_all = fetch_stats(WORKDIR / "worker.log")

        # --- latency
        latency_internal, latency_client = [], []
        if sent:
            for message_id, arrived, processed in InboundMessage.objects.filter(
                    mailbox=mailbox, message_id__in=list(sent)).values_list("message_id", "arrived_at", "processed_at"):
                if processed is None:
                    continue
                if arrived is not None:
                    latency_internal.append((processed - arrived).total_seconds())
                latency_client.append(processed.timestamp() - sent[message_id][1])

        # --- correctness (before the floor and the profile add rows of their own)
        total_expected = len(backlog_uids) + len(sent)
        expected_replies = sum(1 for k in factory.kinds.values() if k == "reply")
        inbound = InboundMessage.objects.filter(mailbox=mailbox)
        statuses = Counter(inbound.values_list("status", "reason"))
        rows = inbound.count()
        distinct = inbound.values("message_id").distinct().count()
        unprocessed = inbound.filter(processed_at=None).count()
        tickets = Ticket.objects.count()
        replies = TicketEvent.objects.filter(kind="reply", channel="email").count()
        with connection.cursor() as cursor:
            cursor.execute("""
                SELECT count(*) FROM (
                  SELECT data->'mail'->>'inbound' FROM tickets_ticketevent
                  WHERE kind IN ('created', 'reply') AND data ? 'mail' GROUP BY 1 HAVING count(*) > 1) twice""")
            doubled = cursor.fetchone()[0]
        with dovecot.imap() as client:
            client.select("INBOX", readonly=True)
            on_server = len(client.uid("SEARCH", "ALL")[1][0].split())
            unflagged = len(client.uid("SEARCH", "UNKEYWORD", "$HelpdeskProcessed")[1][0].split())
        confirmations = OutboundMessage.objects.filter(kind="created").count()
        outbox = Counter(OutboundMessage.objects.values_list("status", flat=True))
        big = None if ARGS.no_big else inbound.filter(size__gt=BIG_BYTES).first()
        big_ok, big_text = True, "left out (--no-big)"
        if big is not None:
            note = TicketEvent.objects.filter(ticket=big.ticket, kind="note", data__has_key="left_out").first() if big.ticket else None
            files = Attachment.objects.filter(ticket=big.ticket).count() if big.ticket else -1
            told = OutboundMessage.objects.filter(ticket=big.ticket, kind="left_out").count() if big.ticket else 0
            big_ok = big.status == InboundStatus.PROCESSED and note is not None and files == 0 and told == 1
            big_text = (f"{big.size / 1e6:.1f} MB mail -> {big.status}/{big.reason}, ticket {big.ticket.reference if big.ticket else '-'}, "
                        f"note {'yes' if note else 'no'}, attachments {files}, sender told {told}x")
        checks = [
            ("one InboundMessage per mail", rows == total_expected and distinct == rows, f"{rows:,} rows, {distinct:,} distinct Message-IDs, {total_expected:,} mails"),
            ("every mail processed", unprocessed == 0 and statuses.get(("processed", "new_ticket"), 0) + statuses.get(("processed", "reply"), 0) == rows,
             f"unprocessed {unprocessed}; outcomes " + ", ".join(f"{s}/{r} {c:,}" for (s, r), c in sorted(statuses.items()))),
            ("tickets + replies = mails", tickets + replies == total_expected, f"{tickets:,} + {replies:,} = {tickets + replies:,}"),
            ("replies threaded into their tickets", replies == expected_replies,
             f"{replies:,} of {expected_replies:,} replies; a reply processed before the mail it answers opens a ticket "
             f"of its own (informational: not counted in the exit status)"),
            ("no mail processed twice", doubled == 0, f"{doubled} mails with more than one created/reply event"),
            ("every IMAP message flagged processed", on_server == total_expected and unflagged == 0,
             f"{on_server:,} on the server, {unflagged} without $HelpdeskProcessed"),
            ("one confirmation per ticket, all delivered", confirmations == tickets and outbox.get("pending", 0) == 0,
             f"{confirmations:,} confirmations; outbox " + ", ".join(f"{k} {v:,}" for k, v in sorted(outbox.items()))),
            ("the 25 MiB attachment left out with a note", big_ok, big_text),
        ]
        memory = sorted(sampler.memory.items(), key=lambda kv: (kv[1]["role"], kv[0]))
        confirmation_delays = [(sent - created).total_seconds() for created, sent in OutboundMessage.objects.filter(
            kind="created", mailbox=mailbox, sent_at__isnull=False).values_list("created_at", "sent_at")]

        # --- floor
        log(f"floor: the backlog fetched again by the same code path, stored raw only, in {shares} process(es) (worker stopped)")
        floor_count, floor_seconds = floor(dovecot, backlog_uids, shares)
        floor_rate = floor_count / floor_seconds
        log(f"floor: {floor_count:,} mails in {floor_seconds:.1f} s = {floor_rate:.1f} mails/s")

        # --- profile
        profile_lines = []
        if ARGS.profile == "always" or (ARGS.profile == "auto" and rate < GOAL_RATE):
            log(f"profiling receive_message in-process ({ARGS.profile_messages} mails under cProfile)")
            profile_lines = profile(ARGS.profile_messages)
        if not ARGS.no_big and ARGS.profile != "never":
            log("memory of the 25 MiB mail in-process (tracemalloc)")
            profile_lines += ["", "memory for the 25 MiB mail (tracemalloc, in this process):"]
            profile_lines += ["    " + line for line in big_mail_memory(dovecot)]
    finally:
        stop_process(beat)
        stop_process(worker)
        if sampler is not None:
            sampler.stop.set()
        dovecot.stop()
        shutil.rmtree(store_dir, ignore_errors=True)
        shutil.rmtree(conf_dir, ignore_errors=True)
        if REDIS_PROC is not None:
            stop_process(REDIS_PROC, 10)
        else:
            try:
                import redis

                redis.Redis.from_url(REDIS_URL).flushdb()
            except Exception:  # noqa: BLE001
                pass

    # --- report
    print()
    print(f"## Mail intake benchmark ({ARGS.messages:,} mails, {ARGS.senders:,} senders, worker --concurrency {ARGS.concurrency}, "
          f"poll {ARGS.poll:g} s)")
    print()
    for line in MACHINE:
        print(f"- {line}")
    print(f"- PostgreSQL synchronous_commit = {synchronous_commit}; DEBUG = {ARGS.debug}; settings {os.environ['DJANGO_SETTINGS_MODULE']}; "
          f"Redis {'shared ' if ARGS.shared_redis else 'private '}{REDIS_URL}")
    print()
    print("| measure | result | goal |")
    print("| --- | --- | --- |")
    print(f"| backlog throughput (fetch sent -> last ticket committed) | {rate:.1f} mails/s ({done:,} in {span:.1f} s; "
          f"first mail stored after {(first_stored - t0).total_seconds():.1f} s) | >= {GOAL_RATE:.0f}/s: "
          f"{'met' if rate >= GOAL_RATE else 'missed'} |")
    print(f"| floor: same mails, same IMAP code path, stored raw only | {floor_rate:.1f} mails/s ({floor_count:,} in {floor_seconds:.1f} s) | |")
    print(f"| intake as a share of the floor | {rate / floor_rate:.0%} | |")
    goal_latency = ARGS.poll + GOAL_LATENCY_SLACK
    if latency_internal:
        p99 = percentile(latency_internal, 0.99)
        print(f"| latency arrival (INTERNALDATE) -> ticket visible, {len(latency_internal):,} mails at {len(sent) / steady_wall:.1f}/s "
              f"| p50 {percentile(latency_internal, 0.5):.1f} s, p99 {p99:.1f} s, max {max(latency_internal):.1f} s "
              f"| p99 <= {goal_latency:g} s: {'met' if p99 <= goal_latency else 'missed'} |")
        print(f"| same, from the end of each APPEND (client clock, sub-second) | p50 {percentile(latency_client, 0.5):.1f} s, "
              f"p99 {percentile(latency_client, 0.99):.1f} s, max {max(latency_client):.1f} s | |")
    elif sent:
        print(f"| latency | none of the {len(sent):,} steady-phase mails processed | missed |")
    worst = 0.0
    for pid, entry in memory:
        peak = max(entry["hwm"], entry["rss"]) / 1024
        if entry["role"].startswith("worker"):
            worst = max(worst, peak)
        at = time.strftime("%H:%M:%S", time.localtime(entry["peak_at"])) if entry["peak_at"] else "-"
        goal = f"< {GOAL_RSS_MB:.0f} MB: {'met' if peak < GOAL_RSS_MB else 'missed'}" if entry["role"].startswith("worker") else ""
        print(f"| peak memory, {entry['role']} pid {pid} (VmHWM; max sampled VmRSS {entry['rss'] / 1024:.0f} MB at {at}) "
              f"| {peak:.0f} MB | {goal} |")
    print()
    print(f"Goals: throughput {'met' if rate >= GOAL_RATE else 'missed'}; latency "
          f"{('met' if latency_internal and percentile(latency_internal, 0.99) <= goal_latency else 'missed') if sent else 'not measured'}; "
          f"memory {'met' if worst < GOAL_RSS_MB else 'missed'} (largest worker process {worst:.0f} MB).")
    print()
    print("Where the CPU went (share of all cores):")
    print(f"- backlog: {cpu_text(*backlog_cpu)}")
    wall, groups, busy = backlog_cpu
    pool = {name: seconds for name, seconds in groups.items() if name.startswith("worker pool")}
    if pool and done:
        cpu_seconds = sum(pool.values())
        print(f"- worker pool processes together: {cpu_seconds / done * 1000:.1f} ms CPU per mail (fetching, processing and "
              f"delivering the confirmation), each busy " + ", ".join(f"{seconds / span:.0%}" for seconds in pool.values())
              + f" of a core; PostgreSQL backends {groups.get('postgres (bench DB)', 0) / done * 1000:.1f} ms CPU per mail; "
              f"{shares} fetch share(s) per mailbox (HELPDESK_MAIL_FETCH_PARALLELISM)")
    others = max(0.0, busy - sum(groups.values())) / (wall * (os.cpu_count() or 1))
    if others > 0.10:
        print(f"- WARNING: other processes took {others:.0%} of the machine during the backlog: the figures are lower "
              f"than on a quiet machine (load average now {' '.join(f'{v:.2f}' for v in os.getloadavg())})")
    if steady_cpu:
        print(f"- steady phase: {cpu_text(*steady_cpu)}")
    if fetches_all:
        print(f"- fetches that found mail (worker log): backlog " + ", ".join(f"{n:,} in {s:.0f} s" for n, s in fetches_backlog)
              + "; steady phase " + (", ".join(f"{n:,} in {s:.0f} s" for n, s in fetches_all[len(fetches_backlog):]) or "-"))
    print(f"- APPEND of the backlog: {total_bytes / 1e6:.0f} MB in {append_seconds:.0f} s over {ARGS.append_connections} connections "
          f"(not timed in the results)")
    worker_log = (WORKDIR / "worker.log").read_text(errors="replace") if (WORKDIR / "worker.log").exists() else ""
    if confirmation_delays:
        print(f"- confirmation mails, outbox row -> delivered: p50 {percentile(confirmation_delays, 0.5):.1f} s, "
              f"p99 {percentile(confirmation_delays, 0.99):.1f} s, max {max(confirmation_delays):.1f} s "
              f"(deliver_outbound waits for a free worker process)")
    swept = len(re.findall(r"Task escalation\.tasks\.sweep\[[^]]+\] succeeded", worker_log))
    dropped = len(re.findall(r"Discarding revoked task: escalation\.tasks\.sweep", worker_log))
    print(f"- SLA sweeps (beat, every {settings.HELPDESK_SWEEP_SECONDS:g} s) that ran: {swept}; expired unrun in the queue "
          f"behind the fetches: {dropped}")
    lost = worker_log.count("Connection to broker lost")
    if lost:
        print(f"- WARNING: the worker lost its Redis connection {lost}x during the run (Redis restarted by someone else?); "
              f"mails processed meanwhile may have failed and deliveries waited for the outbox sweep")
    print()
    print("Correctness:")
    failed = 0
    for name, ok, detail in checks:
        informational = name.startswith("replies threaded")
        failed += not ok and not informational
        print(f"- {'ok' if ok else ('NOTE' if informational else 'FAILED')}: {name} ({detail})")
    if profile_lines:
        print()
        print("Profile (in-process, after the run):")
        print()
        print("```")
        for line in profile_lines:
            print(line)
        print("```")
    print()
    print(f"Logs: {WORKDIR.relative_to(ROOT)}/worker.log, beat.log")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
