#!/usr/bin/env python
"""HTTP load benchmark: the agent pages, the portal and the API under 16 connections (gunicorn + wrk).

    make bench-http                              # or: scripts/bench.sh http [--tickets 100000]
    make bench-http ARGS="--tickets 1000000"     # the big run
    make bench-http ARGS="--reuse"               # measure again on the data of the last run (no reload)
    make bench-http ARGS="--reuse --only queue,ticket --duration 10"

Builds a dedicated database (`helpdesk_bench_http`) and fills it with COPY: three tiers with their
agents, ~2,000 customers with profiles in organisations, tickets over three years (about 15 % still
open, the rest solved or closed) with timelines of 3-8 events (replies of agent and customer, internal
notes, status and tier changes), SLA clocks for the open tickets, and ~20,000 knowledge articles in
German and English. Then it starts gunicorn as `make run` does (2 sync workers) with the production
settings (bench/http/settings.py: only STATIC_ROOT differs) on a free port of 127.0.0.1, and for each
endpoint runs `wrk -t2 -c16 -d20s --latency` after a 3 s warm-up (bench/http/*.lua):

  the agent queue, the agent ticket page (8 tickets with typical timelines in turn) and the
  knowledge-base card it loads afterwards, the API ticket list and detail, the customer portal list,
  the knowledge-base search (page as a customer, API as an agent), and filing a ticket in the portal
  (POST with session and CSRF cookies, 302 expected; run last).

A floor is measured in the same run with the same wrk settings, before the first endpoint and after
each one: a bare Django page (`/bench-floor/`: the signed-in user, one indexed query for 25 tickets,
drawn by a Django template; bench/http/urls.py adds it to the project's URLs for this gunicorn only)
behind the full middleware, with the agent's session cookie; and `HttpResponse("ok")`
(`/bench-floor-ok/`) first and last, for what the stack alone costs. Every endpoint's row shows
beside its own figures those of the two floor runs around it (their mean) and its req/s as a share of
theirs: other processes' load and the machine move that share much less than the req/s themselves, so
compare runs, trees and machines by the shares. The report names the interpreter (and how fast it runs
plain Python), the CPU and the load. The numbers also go to .local/bench/http/results.json.

Errors are answers with another status than expected (wrk alone takes a 302 to the login page for a
success) plus socket errors; wrk waits 10 s for an answer (--timeout) so that slow answers show in the
latencies. The machine is shared: for every run the share of CPU that other processes took is shown.
In-process (django.test.Client) it counts the SQL queries of each endpoint and measures one request's
Python CPU and SQL time. The Markdown table is measured against the goals (issue 16), as shares of the
floor: at 1,000,000 tickets the agent queue, the ticket page and the API ticket list at least a third
of it with p99 under 100 ms (the mark: half, p99 under 50 ms), every other endpoint a quarter with p99
under 100 ms, no errors anywhere; filing a ticket is also shown beside django-helpdesk's submit. For a
row that misses, the plan of its slowest query (EXPLAIN ANALYZE) follows the table.

Mail that filing tickets enqueues lands in a Redis database of the benchmark's own (11 by default),
emptied at the end, as are the tickets the benchmark filed, so that `--reuse` finds the data as built.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import queue as queue_module
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HERE = Path(__file__).resolve().parent / "http"

GOAL_P99_MS = 100.0
# Goals as shares of the 25-row floor's req/s in the same run (a figure of this machine's speed that
# moves with it): the pages agents live on at least a third, every other endpoint a quarter.
GOAL_SHARE = {"queue": 1 / 3, "ticket": 1 / 3, "api_list": 1 / 3}
GOAL_SHARE_OTHERS = 1 / 4
# The mark to aim for on the three: half the floor with p99 under 50 ms.
AIM_SHARE, AIM_P99_MS = 1 / 2, 50.0
# django-helpdesk 2.6.1's portal submit at 100,000 tickets on this machine (issue 16), the peer of portal_new.
PEER_PORTAL_SUBMIT_RPS = 84.6
SLOW_QUERY_MS = 5.0  # a row that misses its goal gets the plan of its slowest SELECT when that takes longer


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=20_000, help="tickets per COPY round")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database", default="helpdesk_bench_http")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the data when the database already holds as many tickets, customers and articles")
    parser.add_argument("--duration", type=int, default=20, help="seconds of each measured wrk run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of the wrk run before each measured one")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--timeout", type=int, default=10,
                        help="seconds wrk waits for an answer (wrk's own default of 2 s hides slow answers' latency)")
    parser.add_argument("--redis-db", type=int, default=11, help="Redis database for cache and Celery messages")
    parser.add_argument("--only", default="", help="comma-separated endpoint keys (queue,ticket,kb_panel,api_list,"
                                                   "api_detail,portal,portal_new,kb_page,kb_api)")
    parser.add_argument("--profile", action="store_true",
                        help="profile each endpoint in-process (cProfile, 30 requests) and print where its time goes, "
                             "by layer, and its 15 costliest functions of the project; no HTTP load")
    parser.add_argument("--explain", action="store_true",
                        help="show the plan of the slowest query of every endpoint, not only of those that miss a goal")
    return parser.parse_args()


ARGS = parse_args()
REDIS_URL = f"{os.environ.get('REDIS_URL', 'redis://127.0.0.1:6379/0').rsplit('/', 1)[0]}/{ARGS.redis_db}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings.local")
os.environ["DJANGO_DB_NAME"] = ARGS.database
# The sessions made here must be valid in gunicorn: both sign with the same key, made for this run.
os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
# Production requires keys for the mailbox secrets (helpdesk.encryption); the benchmark stores none.
os.environ.setdefault("HELPDESK_ENCRYPTION_KEYS", __import__("base64").urlsafe_b64encode(secrets.token_bytes(32)).decode())
os.environ["CACHE_URL"] = REDIS_URL
os.environ["CELERY_BROKER_URL"] = REDIS_URL
os.environ["CELERY_RESULT_BACKEND"] = REDIS_URL
os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ["DJANGO_DEBUG"] = "false"  # the in-process requests run as production does (gunicorn's settings force it)
for rate in ("HELPDESK_API_RATE_ANON", "HELPDESK_API_RATE_CUSTOMER", "HELPDESK_API_RATE_AGENT"):
    os.environ[rate] = "1000000/min"

from bench.common import machine_lines, setup_django  # noqa: E402

setup_django(ARGS.database)

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from escalation.models import BusinessInterval, EscalationRule, Metric, RuleAction, Schedule, SlaPolicy, SlaTarget  # noqa: E402
from tickets.models import Category, Priority, Ticket, Tier, TierMembership  # noqa: E402

User = get_user_model()


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- vocabulary -----------------------------------------------------------------------------------
# What a support desk hears about, most frequent first (picked with Zipf-like weights), in both
# languages: the thing, what is wrong with it, what fixes it, why it happened.

TOPICS = [
    ("passwort", "Account & Login", {
        "de": (["Passwort", "Kennwort", "Benutzerkonto", "Windows-Anmeldung", "Domänenkonto", "Anmeldung"],
               ["ist abgelaufen", "wird nicht akzeptiert", "ist gesperrt", "wurde vergessen", "muss geändert werden"],
               ["Setzen Sie das Kennwort im Self-Service-Portal zurück", "Entsperren Sie das Benutzerkonto im Active Directory",
                "Melden Sie sich einmal im Firmennetz mit dem neuen Passwort an",
                "Löschen Sie die gespeicherten Anmeldeinformationen in der Anmeldeinformationsverwaltung"],
               ["Das Kennwort ist nach 90 Tagen abgelaufen", "Zu viele Fehlversuche haben das Konto gesperrt",
                "Ein altes Passwort war noch im Smartphone gespeichert"]),
        "en": (["password", "user account", "Windows sign-in", "domain account", "login", "credentials"],
               ["has expired", "is not accepted", "is locked", "was forgotten", "must be changed"],
               ["Reset the password in the self-service portal", "Unlock the user account in Active Directory",
                "Sign in once with the new password while connected to the corporate network",
                "Remove the stored credentials in Credential Manager"],
               ["The password expired after 90 days", "Too many failed attempts locked the account",
                "An old password was still stored on the smartphone"])}),
    ("drucker", "Hardware", {
        "de": (["Drucker", "Druckauftrag", "Druckwarteschlange", "Druckertreiber", "Netzwerkdrucker", "Multifunktionsgerät"],
               ["druckt nicht", "zeigt den Status offline", "hängt in der Warteschlange", "druckt nur leere Seiten",
                "meldet einen Papierstau"],
               ["Löschen Sie alle Aufträge in der Druckwarteschlange und starten Sie den Druckspooler neu",
                "Installieren Sie den Druckertreiber über das Softwarecenter neu",
                "Verbinden Sie den Netzwerkdrucker erneut über den Druckserver",
                "Prüfen Sie Toner, Papierfach und die Anzeige am Gerät"],
               ["Ein hängender Druckauftrag blockierte die Warteschlange", "Der Druckertreiber war veraltet",
                "Der Druckserver wurde neu gestartet"]),
        "en": (["printer", "print job", "print queue", "printer driver", "network printer", "multifunction device"],
               ["does not print", "shows status offline", "is stuck in the queue", "prints only blank pages",
                "reports a paper jam"],
               ["Delete all jobs in the print queue and restart the print spooler",
                "Reinstall the printer driver from the software center",
                "Reconnect the network printer through the print server", "Check toner, paper tray and the display"],
               ["A stuck print job blocked the queue", "The printer driver was outdated", "The print server was restarted"])}),
    ("vpn", "Network & VPN", {
        "de": (["VPN", "VPN-Verbindung", "VPN-Client", "GlobalProtect", "Fernzugriff"],
               ["bricht ständig ab", "verbindet nicht", "ist sehr langsam", "meldet Zertifikat ungültig",
                "findet das Gateway nicht"],
               ["Aktualisieren Sie den VPN-Client auf die freigegebene Version",
                "Wählen Sie im VPN-Client das Gateway des nächsten Standorts",
                "Importieren Sie das Benutzerzertifikat für die VPN-Verbindung erneut",
                "Deaktivieren Sie testweise das Energiesparen des WLAN-Adapters"],
               ["Das Benutzerzertifikat für das VPN war abgelaufen", "Der Router zu Hause blockiert IPsec",
                "Das VPN-Gateway war überlastet"]),
        "en": (["VPN", "VPN connection", "VPN client", "GlobalProtect", "remote access"],
               ["keeps disconnecting", "does not connect", "is very slow", "reports an invalid certificate",
                "cannot find the gateway"],
               ["Update the VPN client to the approved version", "Select the gateway of the nearest site",
                "Import the user certificate for the VPN connection again",
                "Disable power saving of the wireless adapter for a test"],
               ["The user certificate for the VPN had expired", "The home router blocks IPsec",
                "The VPN gateway was overloaded"])}),
    ("outlook", "E-mail", {
        "de": (["Outlook", "Postfach", "E-Mail", "Posteingang", "Kalender", "Signatur"],
               ["ist voll", "startet nicht", "synchronisiert nicht", "fragt ständig nach dem Kennwort",
                "zeigt keine neuen E-Mails"],
               ["Erstellen Sie in der Systemsteuerung unter Mail ein neues Outlook-Profil",
                "Archivieren Sie alte E-Mails oder beantragen Sie ein größeres Postfach",
                "Starten Sie Outlook im abgesicherten Modus mit outlook.exe /safe", "Reparieren Sie Office über Apps und Features"],
               ["Das Postfach hat die Speichergrenze erreicht", "Ein fehlerhaftes Add-In blockierte den Start",
                "Die OST-Datei war beschädigt"]),
        "en": (["Outlook", "mailbox", "email", "inbox", "calendar", "signature"],
               ["is full", "does not start", "does not sync", "keeps asking for the password", "shows no new emails"],
               ["Create a new Outlook profile in Control Panel under Mail", "Archive old emails or request a larger mailbox",
                "Start Outlook in safe mode with outlook.exe /safe", "Repair Office from Apps and Features"],
               ["The mailbox reached its storage limit", "A faulty add-in blocked the start", "The OST file was corrupted"])}),
    ("netzwerk", "Network & VPN", {
        "de": (["Netzwerk", "WLAN", "Netzwerkverbindung", "LAN-Kabel", "Netzwerkadapter", "Proxy"],
               ["hat keine Verbindung", "bricht ständig ab", "ist sehr langsam", "bekommt keine IP-Adresse"],
               ["Führen Sie ipconfig /release und ipconfig /renew aus", "Setzen Sie die Netzwerkeinstellungen zurück",
                "Tauschen Sie das LAN-Kabel oder nutzen Sie eine andere Netzwerkdose",
                "Tragen Sie den Proxy über die automatische Konfiguration ein"],
               ["Der DHCP-Server hatte keine freien Adressen mehr", "Ein defektes LAN-Kabel",
                "Der Treiber des Netzwerkadapters war veraltet"]),
        "en": (["network", "Wi-Fi", "network connection", "LAN cable", "network adapter", "proxy"],
               ["has no connection", "keeps dropping", "is very slow", "gets no IP address"],
               ["Run ipconfig /release and ipconfig /renew", "Reset the network settings",
                "Replace the LAN cable or use another network socket", "Configure the proxy through automatic configuration"],
               ["The DHCP server ran out of addresses", "A broken LAN cable", "The network adapter driver was outdated"])}),
    ("laptop", "Hardware", {
        "de": (["Laptop", "Notebook", "Dockingstation", "Monitor", "Akku", "Tastatur"],
               ["startet nicht mehr", "wird sehr heiß", "erkennt den zweiten Bildschirm nicht", "lädt nicht",
                "friert regelmäßig ein"],
               ["Führen Sie einen Kaltstart durch: 30 Sekunden den Einschaltknopf gedrückt halten",
                "Aktualisieren Sie BIOS und Firmware der Dockingstation",
                "Bringen Sie das Gerät zum Hardware-Service im Erdgeschoss", "Installieren Sie den Grafiktreiber neu"],
               ["Ein fehlerhaftes Firmware-Update", "Der Akku ist verschlissen", "Der Lüfter war verstaubt"]),
        "en": (["laptop", "notebook", "docking station", "monitor", "battery", "keyboard"],
               ["does not start anymore", "gets very hot", "does not detect the second screen", "does not charge",
                "freezes regularly"],
               ["Do a cold start: hold the power button for 30 seconds", "Update BIOS and firmware of the docking station",
                "Bring the device to the hardware service desk", "Reinstall the graphics driver"],
               ["A faulty firmware update", "The battery is worn out", "The fan was full of dust"])}),
    ("teams", "Software", {
        "de": (["Teams", "Besprechung", "Mikrofon", "Kamera", "Bildschirmfreigabe", "Headset"],
               ["hat keinen Ton", "stürzt ab", "wird nicht erkannt", "ruckelt stark", "zeigt ein schwarzes Bild"],
               ["Wählen Sie in Teams unter Einstellungen, Geräte das richtige Headset",
                "Leeren Sie den Teams-Cache im Ordner %appdata%\\Microsoft\\Teams",
                "Erlauben Sie Teams in den Datenschutzeinstellungen den Zugriff auf Kamera und Mikrofon",
                "Installieren Sie die neue Teams-Version aus dem Softwarecenter"],
               ["Ein anderes Programm belegte das Mikrofon", "Der Teams-Cache war beschädigt",
                "Die Datenschutzeinstellungen blockierten die Kamera"]),
        "en": (["Teams", "meeting", "microphone", "camera", "screen sharing", "headset"],
               ["has no sound", "crashes", "is not detected", "stutters heavily", "shows a black picture"],
               ["Select the right headset in Teams under Settings, Devices", "Clear the Teams cache",
                "Allow Teams to use camera and microphone in the privacy settings",
                "Install the new Teams version from the software center"],
               ["Another program held the microphone", "The Teams cache was corrupted",
                "The privacy settings blocked the camera"])}),
    ("sap", "Software", {
        "de": (["SAP", "SAP GUI", "Buchung", "Rechnungsfreigabe", "Berechtigung", "Bestellung"],
               ["meldet Berechtigung fehlt", "hängt beim Speichern", "lässt sich nicht buchen", "startet nicht"],
               ["Beantragen Sie die fehlende Rolle über das Berechtigungsportal",
                "Löschen Sie den SAP-GUI-Cache und melden Sie sich neu an",
                "Lassen Sie den gesperrten Beleg von der Fachabteilung entsperren"],
               ["Die Rolle war nach dem Abteilungswechsel entzogen worden", "Ein Sperreintrag blockierte den Beleg"]),
        "en": (["SAP", "SAP GUI", "posting", "invoice approval", "authorization", "purchase order"],
               ["reports missing authorization", "hangs while saving", "cannot be posted", "does not start"],
               ["Request the missing role in the authorization portal", "Clear the SAP GUI cache and sign in again",
                "Ask the department to unlock the locked document"],
               ["The role was removed after a change of department", "A lock entry blocked the document"])}),
    ("software", "Software", {
        "de": (["Software", "Lizenz", "Installation", "Update", "Adobe Acrobat", "Excel"],
               ["lässt sich nicht installieren", "ist abgelaufen", "bricht mit Fehler 1603 ab", "startet nicht mehr",
                "ist sehr langsam"],
               ["Installieren Sie die Anwendung über das Softwarecenter", "Beantragen Sie eine Lizenz im Self-Service-Portal",
                "Starten Sie den Rechner neu und wiederholen Sie das Update"],
               ["Es fehlten Administratorrechte", "Die Lizenz war abgelaufen", "Ein ausstehender Neustart blockierte das Update"]),
        "en": (["software", "licence", "installation", "update", "Adobe Acrobat", "Excel"],
               ["cannot be installed", "has expired", "fails with error 1603", "does not start anymore", "is very slow"],
               ["Install the application from the software center", "Request a licence in the self-service portal",
                "Restart the computer and repeat the update"],
               ["Administrator rights were missing", "The licence had expired", "A pending restart blocked the update"])}),
    ("laufwerk", "Software", {
        "de": (["Netzlaufwerk", "OneDrive", "SharePoint", "Dateiablage", "Ordnerfreigabe"],
               ["ist nicht erreichbar", "synchronisiert nicht", "meldet Zugriff verweigert", "zeigt alte Dateien"],
               ["Verbinden Sie das Netzlaufwerk über das Anmeldeskript neu", "Setzen Sie OneDrive mit onedrive.exe /reset zurück",
                "Beantragen Sie die Berechtigung beim Besitzer des Ordners"],
               ["Die Gruppenmitgliedschaft fehlte", "Der Dateiserver wurde migriert", "Der Pfad war länger als 260 Zeichen"]),
        "en": (["network drive", "OneDrive", "SharePoint", "file share", "shared folder"],
               ["is not reachable", "does not sync", "reports access denied", "shows old files"],
               ["Reconnect the network drive through the logon script", "Reset OneDrive with onedrive.exe /reset",
                "Request access from the owner of the folder"],
               ["The group membership was missing", "The file server was migrated", "The path was longer than 260 characters"])}),
    ("mfa", "Account & Login", {
        "de": (["Authenticator-App", "Zwei-Faktor-Anmeldung", "MFA", "Diensthandy", "Einmalcode"],
               ["zeigt keine Anfrage", "wird nicht akzeptiert", "ist nach Handywechsel weg", "fragt ständig erneut"],
               ["Registrieren Sie die Authenticator-App im Sicherheitsportal neu",
                "Prüfen Sie, ob Datum und Uhrzeit des Handys automatisch gestellt werden",
                "Lassen Sie die MFA-Registrierung vom Service Desk zurücksetzen"],
               ["Die App war auf dem alten Handy registriert", "Die Uhrzeit des Handys ging falsch"]),
        "en": (["authenticator app", "two-factor sign-in", "MFA", "company phone", "one-time code"],
               ["shows no request", "is not accepted", "is gone after a phone change", "keeps asking again"],
               ["Register the authenticator app again in the security portal",
                "Check that the phone sets date and time automatically", "Ask the service desk to reset the MFA registration"],
               ["The app was registered on the old phone", "The phone's clock was wrong"])}),
    ("rechnung", "Billing", {
        "de": (["Rechnung", "Gutschrift", "Lizenzrechnung", "Zahlung", "Bestellnummer"],
               ["ist doppelt gebucht", "fehlt", "hat einen falschen Betrag", "wurde nicht zugestellt"],
               ["Senden Sie uns die Rechnungsnummer, wir stellen eine Gutschrift aus",
                "Laden Sie die Rechnung im Kundenportal unter Abrechnung herunter"],
               ["Die Rechnung wurde zweimal erzeugt", "Die Rechnungsadresse war veraltet"]),
        "en": (["invoice", "credit note", "licence invoice", "payment", "order number"],
               ["was charged twice", "is missing", "has a wrong amount", "was not delivered"],
               ["Send us the invoice number and we will issue a credit note",
                "Download the invoice in the customer portal under Billing"],
               ["The invoice was generated twice", "The billing address was outdated"])}),
]
TOPIC_INDEXES = range(len(TOPICS))
TOPIC_CUM_WEIGHTS = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in TOPIC_INDEXES))
ENVIRONMENTS = ["Windows 11", "Windows 10", "macOS 14", "Microsoft 365", "Office 2021", "Citrix", "iOS 17",
                "Android 14", "Ubuntu 22.04", "Chrome", "Firefox", "Edge"]

TEXTS = {
    "de": {
        "open": ["Hallo,", "Guten Morgen,", "Sehr geehrtes Support-Team,", "Hallo zusammen,", "Liebes Service-Team,"],
        "when": ["seit heute Morgen", "seit dem letzten Update", "seit gestern Nachmittag", "seit Montag", "nach dem Neustart"],
        "impact": ["Ich kann so nicht arbeiten.", "Das betrifft das ganze Team.", "Es ist dringend, wir haben heute eine Abgabe.",
                   "Betroffen sind mehrere Kolleginnen und Kollegen.", "Es tritt nur im Homeoffice auf."],
        "tried": ["Neustart habe ich schon versucht.", "Ich habe den Rechner bereits neu gestartet, ohne Erfolg.",
                  "Es erscheint die Fehlermeldung Zugriff verweigert (0x80070005).", "Auf dem Laptop einer Kollegin funktioniert es."],
        "close": ["Viele Grüße", "Danke und beste Grüße", "Mit freundlichen Grüßen"],
        "agent": ["Vielen Dank für Ihre Nachricht. {fix}. Bitte geben Sie uns Bescheid, ob das Problem damit behoben ist.",
                  "Wir haben das geprüft: {cause}. {fix}.", "Können Sie uns bitte einen Screenshot der Fehlermeldung schicken?",
                  "Danke für die Rückmeldung. Wir haben die Einstellung zurückgesetzt. {fix}, falls es erneut auftritt."],
        "customer": ["Leider besteht das Problem weiterhin.", "Danke, jetzt funktioniert es wieder!",
                     "Anbei der Screenshot. Die Meldung kommt jedes Mal beim Start.", "Ich bin ab Montag wieder im Büro, dann teste ich das.",
                     "Das hat geholfen, vielen Dank für die schnelle Hilfe."],
        "note": ["Vermutung: {cause}.", "Rückfrage beim Netzwerkteam läuft.", "Kunde telefonisch erreicht, Fernwartung vereinbart.",
                 "Bekanntes Problem, siehe Change CHG-{n}."],
        "tier": ["Benötigt Administratorrechte auf dem Server. {cause}?", "Fehler reproduzierbar, bitte im nächsten Level prüfen.",
                 "Außerhalb unserer Berechtigung, bitte übernehmen."],
        "hold": ["Warten auf Ersatzteil vom Hersteller.", "Warten auf den Change am Wochenende."],
        "summary": "Kurz erklärt: {cause}. {fix}.",
        "affects": "Betroffen: {env}.",
        "then": "Danach ist das Problem behoben.",
    },
    "en": {
        "open": ["Hello,", "Good morning,", "Dear support team,", "Hi there,"],
        "when": ["since this morning", "since the last update", "since yesterday afternoon", "since Monday", "after the restart"],
        "impact": ["I cannot work like this.", "The whole team is affected.", "This is urgent, we have a deadline today.",
                   "Several colleagues are affected.", "It only happens when working from home."],
        "tried": ["I already tried restarting.", "I restarted the computer, without success.",
                  "The error message says access denied (0x80070005).", "It works on a colleague's laptop."],
        "close": ["Best regards", "Thanks and kind regards", "Cheers"],
        "agent": ["Thank you for your message. {fix}. Please let us know whether this solves the problem.",
                  "We looked into it: {cause}. {fix}.", "Could you please send us a screenshot of the error message?",
                  "Thanks for the feedback. We reset the setting. {fix} if it happens again."],
        "customer": ["Unfortunately the problem persists.", "Thanks, it works again!",
                     "Attached the screenshot. The message appears at every start.", "I am back in the office on Monday and will test it then.",
                     "That helped, thank you for the quick help."],
        "note": ["Guess: {cause}.", "Asked the network team.", "Reached the customer by phone, remote session agreed.",
                 "Known problem, see change CHG-{n}."],
        "tier": ["Needs administrator rights on the server. {cause}?", "Reproducible, please check at the next level.",
                 "Beyond our permissions, please take over."],
        "hold": ["Waiting for a spare part from the vendor.", "Waiting for the change at the weekend."],
        "summary": "In short: {cause}. {fix}.",
        "affects": "Affected: {env}.",
        "then": "After that the problem is solved.",
    },
}
FIRST_NAMES = {"de": ["Anna", "Lukas", "Sophie", "Jonas", "Marie", "Felix", "Laura", "Paul", "Lea", "Tim", "Julia", "Max"],
               "en": ["Emma", "Oliver", "Mia", "James", "Grace", "Henry", "Chloe", "Jack", "Ruby", "Sam"]}
LAST_NAMES = {"de": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Koch"],
              "en": ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright", "Hughes", "Green"]}
ORG_WORDS = ["Logistik", "Bau", "Consulting", "Medien", "Handel", "Technik", "Energie", "Pharma", "Software", "Versand"]
ORG_FORMS = ["GmbH", "AG", "GmbH & Co. KG", "Ltd", "e.K."]

AGENTS = [  # username, first, last, level, lead
    ("first1", "Lena", "Schmidt", 1, True), ("first2", "Tom", "Becker", 1, False), ("first3", "Nina", "Kraus", 1, False),
    ("first4", "Ali", "Yilmaz", 1, False), ("first5", "Sara", "Lang", 1, False), ("first6", "Ben", "Ott", 1, False),
    ("second1", "Mara", "Wolf", 2, True), ("second2", "Jonas", "Keller", 2, False), ("second3", "Ida", "Roth", 2, False),
    ("second4", "Paul", "Vogel", 2, False),
    ("third1", "Eva", "Hartmann", 3, True), ("third2", "Kai", "Brandt", 3, False), ("third3", "Zoe", "Frank", 3, False),
]
CATEGORIES = {  # English: German (the names of seed_demo where it has them)
    "Account & Login": "Konto & Anmeldung", "Billing": "Abrechnung", "E-mail": "E-Mail", "Network & VPN": "Netzwerk & VPN",
    "Hardware": "Hardware", "Software": "Software", "Access requests": "Berechtigungsanträge", "Other": "Sonstiges",
}
TIER_NAMES = {1: ("1st Level", "1. Level"), 2: ("2nd Level", "2. Level"), 3: ("3rd Level", "3. Level")}
SLA_TARGETS = {  # priority: first response, next response, resolution, time at tier (as seed_demo)
    Priority.LOW: (8, 16, 40, 16), Priority.NORMAL: (4, 8, 24, 8), Priority.HIGH: (1, 4, 8, 4), Priority.URGENT: (0.5, 1, 4, 1),
}
BENCH_CUSTOMER = "bench.customer@example.com"
OPEN = ("new", "open", "waiting", "on_hold")


# --- COPY ---------------------------------------------------------------------------------------


def _field(value):
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    if isinstance(value, timedelta):
        return f"{value.total_seconds():.0f} seconds"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


_DEFAULTS = {}  # table -> (columns, text) the loader leaves to the model's defaults


def model_defaults(table, columns):
    """The columns of `table` that the loader does not write and that PostgreSQL would refuse empty:
    each NOT NULL field without a database default gets the value the ORM would insert (the field's
    default, '' for text). So a migration that adds such a field (a channel, a phone number) does not
    break the COPY, on whatever schema the tree has; a field without a default stops the load by name."""
    if table not in _DEFAULTS:
        model = next(m for m in apps.get_models(include_auto_created=True) if m._meta.db_table == table)
        extra, values = [], []
        for f in model._meta.concrete_fields:
            if (f.column in columns or f.null or getattr(f, "generated", False) or f.primary_key
                    or getattr(f, "db_default", models.NOT_PROVIDED) is not models.NOT_PROVIDED):
                continue
            value = f.get_default()
            if value is None:
                raise SystemExit(f"the loader does not fill {table}.{f.column} (NOT NULL, no default): add it to its COPY")
            extra.append(f.column)
            values.append(json.dumps(value) if isinstance(value, (dict, list)) else value)
        _DEFAULTS[table] = (extra, "".join("\t" + _field(v) for v in values))
        if extra:
            log(f"  {table}: " + ", ".join(f"{c} = {v!r}" for c, v in zip(extra, values)) + " (the fields' defaults)")
    return _DEFAULTS[table]


class Table:
    """Rows for one COPY, written as PostgreSQL's text format (the model's defaults appended)."""

    def __init__(self, name, columns):
        extra, self.tail = model_defaults(name, columns)
        self.name, self.columns, self.lines = name, columns + extra, []

    def add(self, *values):
        self.lines.append("\t".join(map(_field, values)) + self.tail)

    def __len__(self):
        return len(self.lines)

    def buffer(self):
        return io.StringIO("\n".join(self.lines) + "\n" if self.lines else "")


class CopyWriter(threading.Thread):
    """COPYs the tables of one round on its own connection while the next round is generated."""

    def __init__(self):
        super().__init__(daemon=True)
        self.queue = queue_module.Queue(maxsize=2)
        self.error = None
        self.rows = 0

    def run(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit = off")
            while (tables := self.queue.get()) is not None:
                if self.error is not None:
                    continue
                for table in tables:
                    if len(table):
                        with connection.cursor() as cursor:
                            cursor.cursor.copy_from(table.buffer(), table.name, columns=table.columns, size=1 << 20)
                        self.rows += len(table)
        except BaseException as error:  # noqa: BLE001 (reported by the main thread)
            self.error = error
            while self.queue.get() is not None:
                pass
        finally:
            connection.close()

    def put(self, tables):
        if self.error is not None:
            raise self.error
        self.queue.put(tables)

    def finish(self):
        self.queue.put(None)
        self.join()
        if self.error is not None:
            raise self.error


# --- the data -----------------------------------------------------------------------------------


def ticket_tables():
    return (
        Table("tickets_ticket", ["id", "reference", "subject", "description", "requester_id", "organisation_id",
                                 "category_id", "priority", "status", "tier_id", "assignee_id", "created_at",
                                 "updated_at", "solved_at", "next_breach_at"]),
        Table("tickets_ticketevent", ["ticket_id", "kind", "actor_id", "is_public", "body", "data", "created_at"]),
        Table("escalation_ticketclock", ["ticket_id", "metric", "policy_id", "target", "business_hours", "warn_at_percent",
                                         "state", "started_at", "running_since", "consumed", "due_at", "warn_at",
                                         "warned_at", "breached_at", "stopped_at", "next_fire_at"]),
        Table("knowledgebase_articlelink", ["ticket_id", "article_id", "kind", "created_by_id", "created_at"]),
    )


def name_names(names):
    """Tier and category names in English and German where the schema has a column per language
    (django-modeltranslation, tickets/translation.py): set in SQL, since the ORM's `name` would be the
    active language's. A schema with one `name` column keeps the English one."""
    model = type(names[0][0])
    if not {"name_en", "name_de"} <= {f.column for f in model._meta.concrete_fields}:
        return
    with connection.cursor() as cursor:
        for obj, english, german in names:
            cursor.execute(f"UPDATE {model._meta.db_table} SET name = %s, name_en = %s, name_de = %s WHERE id = %s",
                           [english, english, german, obj.pk])


class Builder:
    def __init__(self, now):
        self.now = now
        self.rng = random.Random(ARGS.seed)
        self.stats = {"open": 0, "events": 0, "clocks": 0, "links": 0}

    # people, tiers, categories, SLA -----------------------------------------------------------

    def people(self, writer):
        rng = self.rng
        self.tiers = {level: Tier.objects.create(level=level, name=english) for level, (english, _) in TIER_NAMES.items()}
        self.tier_ref = {level: {"id": t.pk, "level": level, "name": TIER_NAMES[level][0]} for level, t in self.tiers.items()}
        self.categories = {name: Category.objects.create(name=name) for name in CATEGORIES}
        name_names([(tier, *TIER_NAMES[level]) for level, tier in self.tiers.items()])
        name_names([(category, english, CATEGORIES[english]) for english, category in self.categories.items()])
        users = Table("auth_user", ["id", "password", "is_superuser", "username", "first_name", "last_name", "email",
                                    "is_staff", "is_active", "date_joined"])
        orgs = Table("tickets_organisation", ["id", "name"])
        profiles = Table("tickets_profile", ["id", "user_id", "organisation_id", "language"])
        joined = self.now - timedelta(days=4 * 365)
        self.agents = {1: [], 2: [], 3: []}
        self.user_ref = {}
        for pk, (username, first, last, level, _lead) in enumerate(AGENTS, start=1):
            users.add(pk, "!" + secrets.token_hex(8), False, username, first, last, f"{username}@helpdesk.example",
                      False, True, joined)
            profiles.add(pk, pk, None, "de")
            self.agents[level].append(pk)
            self.user_ref[pk] = {"id": pk, "name": f"{first} {last}"}
        org_count = max(1, ARGS.customers // 8)
        for pk in range(1, org_count + 1):
            orgs.add(pk, f"{rng.choice(ORG_WORDS)} {LAST_NAMES['de' if pk % 3 else 'en'][pk % 10]} {pk} {rng.choice(ORG_FORMS)}")
        self.customers = []  # (user id, organisation id, language)
        first_customer = len(AGENTS) + 1
        for n in range(ARGS.customers):
            pk = first_customer + n
            language = "de" if rng.random() < 0.65 else "en"
            first, last = rng.choice(FIRST_NAMES[language]), rng.choice(LAST_NAMES[language])
            email = BENCH_CUSTOMER if n == 0 else f"{first.lower()}.{last.lower()}{pk}@customer{pk % org_count}.example"
            organisation = (n % org_count) + 1 if rng.random() < 0.9 else None
            users.add(pk, "!" + secrets.token_hex(8), False, email, first, last, email, False, True,
                      joined + timedelta(days=rng.uniform(0, 365)))
            profiles.add(pk, pk, organisation, language)
            self.customers.append((pk, organisation, language))
        writer.put([users, orgs, profiles])
        writer.finish()  # the memberships below refer to the users
        for username, _first, _last, level, lead in AGENTS:
            agent = User.objects.get(username=username)
            TierMembership.objects.create(agent=agent, tier=self.tiers[level])
            if lead:
                self.tiers[level].lead = agent
                self.tiers[level].save(update_fields=["lead"])

    def sla(self):
        from datetime import time as clock_time

        schedule = Schedule.objects.create(name="Bürozeiten", time_zone="Europe/Berlin")
        for day in range(5):
            BusinessInterval.objects.create(schedule=schedule, weekday=day, start=clock_time(8), end=clock_time(12))
            BusinessInterval.objects.create(schedule=schedule, weekday=day, start=clock_time(13), end=clock_time(17))
        self.policy = SlaPolicy.objects.create(name="Standard", is_default=True, schedule=schedule, position=100)
        self.targets = {}
        metrics = (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION, Metric.TIER_TIME)
        for priority, hours in SLA_TARGETS.items():
            for metric, h in zip(metrics, hours):
                SlaTarget.objects.create(policy=self.policy, metric=metric, priority=priority, duration=timedelta(hours=h),
                                         business_hours=priority != Priority.URGENT)
                self.targets[priority, metric] = timedelta(hours=h)
        EscalationRule.objects.create(name="Zeit im Level überschritten: ein Level höher", position=10,
                                      metric=Metric.TIER_TIME, action=RuleAction.NEXT_TIER)
        EscalationRule.objects.create(name="Lösungszeit überschritten: Priorität erhöhen", position=20,
                                      metric=Metric.RESOLUTION, action=RuleAction.NOTIFY, raise_priority=True)

    # knowledge articles ---------------------------------------------------------------------------

    def articles(self, writer):
        rng = random.Random(ARGS.seed + 1)
        columns = ["id", "title", "problem", "environment", "cause", "resolution", "summary", "category_id", "tags",
                   "language", "audience", "min_tier_id", "state", "author_id", "created_at", "updated_at",
                   "published_at", "helpful_count", "not_helpful_count"]
        self.published = {}  # (topic index, language) -> published article ids
        span = timedelta(days=3 * 365).total_seconds()
        authors = [pk for level in (1, 2, 3) for pk in self.agents[level]]
        table = Table("knowledgebase_article", columns)
        for pk in range(1, ARGS.articles + 1):
            t = rng.choices(TOPIC_INDEXES, cum_weights=TOPIC_CUM_WEIGHTS)[0]
            tag, category, words = TOPICS[t]
            language = "de" if rng.random() < 0.6 else "en"
            objects, symptoms, fixes, causes = words[language]
            text = TEXTS[language]
            obj, sym, env = rng.choice(objects), rng.choice(symptoms), rng.choice(ENVIRONMENTS)
            title = f"{obj} {sym}" + rng.choice(["", f" ({env})", f" – {rng.choice(objects)}", f" ({env}, {rng.choice(ENVIRONMENTS)})"])
            steps = rng.sample(fixes, k=min(len(fixes), rng.randint(2, 4)))
            resolution = "\n".join(f"{n}. {step}." for n, step in enumerate(steps, start=1)) + "\n" + text["then"]
            cause = rng.choice(causes)
            state = rng.choices(["published", "draft", "review", "archived"], [82, 8, 5, 5])[0]
            audience = rng.choices(["public", "agents", "tier"], [40, 50, 10])[0]
            min_tier = self.tiers[rng.choice((2, 3))].pk if audience == "tier" else None
            created = self.now - timedelta(seconds=rng.uniform(0, span))
            updated = min(self.now, created + timedelta(days=rng.expovariate(1 / 60)))
            table.add(pk, title[:200], f"{obj} {sym}. {rng.choice(text['impact'])} {text['affects'].format(env=env)}",
                      f"{env}, {rng.choice(ENVIRONMENTS)}", cause, resolution,
                      text["summary"].format(cause=cause, fix=steps[0]), self.categories[category].pk,
                      "{" + f"{tag},{env.lower().replace(' ', '-').replace('.', '')}" + "}", language, audience, min_tier,
                      state, rng.choice(authors), created, updated, updated if state == "published" else None,
                      int(rng.expovariate(1 / 20)), int(rng.expovariate(1 / 3)))
            if state == "published":
                self.published.setdefault((t, language), []).append(pk)
            if len(table) >= 5000:
                writer.put([table])
                table = Table("knowledgebase_article", columns)
        writer.put([table])

    # tickets ----------------------------------------------------------------------------------

    def tickets(self, writer):
        n = ARGS.tickets
        span = timedelta(days=3 * 365)
        start = self.now - span
        step = span / n
        bench_every = max(1, n // 100)  # the customer whose portal is measured files ~100 tickets
        others = self.customers[1:]
        for first in range(1, n + 1, ARGS.chunk):
            rng = random.Random(ARGS.seed * 1_000_003 + first)
            tables = ticket_tables()
            for tid in range(first, min(n, first + ARGS.chunk - 1) + 1):
                created = start + step * (tid - 1) + step * rng.random()
                created = min(created, self.now - timedelta(minutes=2))
                if tid % bench_every == 0:
                    customer = self.customers[0]
                else:
                    customer = others[int(len(others) * rng.random() ** 1.6)]  # some customers file far more
                self.ticket(rng, tables, tid, created, customer)
            writer.put(tables)
            if first == 1 or (first // ARGS.chunk) % 10 == 0:
                log(f"  tickets {first:,}-{min(n, first + ARGS.chunk - 1):,} generated")

    def ticket(self, rng, tables, tid, created, customer):
        tickets, events, clocks, links = tables
        now = self.now
        requester, organisation, language = customer
        t = rng.choices(TOPIC_INDEXES, cum_weights=TOPIC_CUM_WEIGHTS)[0]
        tag, category_name, words = TOPICS[t]
        objects, symptoms, fixes, causes = words[language]
        text = TEXTS[language]
        obj, sym = rng.choice(objects), rng.choice(symptoms)
        subject = f"{obj} {sym}" + rng.choice(["", "", f" ({rng.choice(ENVIRONMENTS)})", " – dringend" if language == "de" else " – urgent"])
        description = (f"{rng.choice(text['open'])}\n\n{obj} {sym}, {rng.choice(text['when'])}. {rng.choice(text['impact'])} "
                       f"{rng.choice(text['tried'])}\n\n{rng.choice(text['close'])}")
        age = now - created
        days = age.total_seconds() / 86400
        p_open = 0.8 if days < 14 else 0.45 if days < 90 else 0.12
        if rng.random() < p_open:
            status = rng.choices(OPEN, [15, 50, 25, 10])[0]
            if status == "new" and days > 7:
                status = "open"
            tier = 1 if status == "new" else rng.choices((1, 2, 3), (65, 25, 10))[0]
        else:
            status = "closed" if days > 8 and rng.random() < 0.95 else "solved"
            tier = rng.choices((1, 2, 3), (75, 18, 7))[0]
        priority = rng.choices((1, 2, 3, 4), (20, 55, 20, 5))[0]
        category = self.categories[category_name].pk if rng.random() < 0.9 else None
        if status == "new" or rng.random() < (0.2 if status in OPEN else 0.4):
            assignee = None  # still in the tier's queue, or solved by whoever answered first
        else:
            assignee = rng.choice(self.agents[tier])

        def agent_at(level):
            return assignee if assignee is not None and level == tier else rng.choice(self.agents[level])

        def fill(template):
            return template.format(fix=rng.choice(fixes), cause=rng.choice(causes), n=rng.randint(1000, 9999))

        # The timeline as steps: (kind, actor, public, body, data, coupled to the step before).
        steps = [("created", requester, True, description, {"tier": self.tier_ref[1], "priority": priority}, False)]
        target = rng.randint(3, 8)
        if status == "new":
            steps.append(("reply", requester, True, rng.choice(text["customer"]), {"author_role": "customer"}, False))
            steps.append(("note", rng.choice(self.agents[1]), False, fill(rng.choice(text["note"])), {}, False))
            target = 3
            tail = []
        elif status in ("solved", "closed") and tier == 1 and rng.random() < 0.35:
            # Solved with the first answer (an agent's reply that sets the status), closed a week later.
            first_agent = agent_at(1)
            if assignee is not None:
                steps.append(("assignment", assignee, False, "", {"from": None, "to": self.user_ref[assignee]}, False))
            steps.append(("reply", first_agent, True, fill(rng.choice(text["agent"])), {"author_role": "agent"}, False))
            steps.append(("status", first_agent, True, "", {"from": "new", "to": "solved"}, True))
            tail = [("status", None, True, "", {"from": "solved", "to": "closed"}, False)] if status == "closed" else []
        else:
            if assignee is not None and tier == 1:
                steps.append(("assignment", assignee, False, "", {"from": None, "to": self.user_ref[assignee]}, False))
            first_agent = agent_at(1)
            steps.append(("reply", first_agent, True, fill(rng.choice(text["agent"])), {"author_role": "agent"}, False))
            steps.append(("status", first_agent, True, "", {"from": "new", "to": "open"}, True))
            for level in range(2, tier + 1):
                steps.append(("tier", agent_at(level - 1), False, fill(rng.choice(text["tier"])),
                              {"from": self.tier_ref[level - 1], "to": self.tier_ref[level], "direction": "up",
                               "unassigned": None}, False))
            if assignee is not None and tier > 1:
                steps.append(("assignment", assignee, False, "", {"from": None, "to": self.user_ref[assignee]}, False))
            agent = agent_at(tier)
            tail = {
                "open": [],
                "waiting": [("reply", agent, True, fill(rng.choice(text["agent"])), {"author_role": "agent"}, False),
                            ("status", agent, True, "", {"from": "open", "to": "waiting"}, True)],
                "on_hold": [("status", agent, True, rng.choice(text["hold"]), {"from": "open", "to": "on_hold"}, False)],
                "solved": [("reply", agent, True, fill(rng.choice(text["agent"])), {"author_role": "agent"}, False),
                           ("status", agent, True, "", {"from": "open", "to": "solved"}, True)],
                "closed": [("reply", agent, True, fill(rng.choice(text["agent"])), {"author_role": "agent"}, False),
                           ("status", agent, True, "", {"from": "open", "to": "solved"}, True),
                           ("status", None, True, "", {"from": "solved", "to": "closed"}, False)],
            }[status]
            while len(steps) + len(tail) < target:
                room = target - len(steps) - len(tail)
                choice = rng.random()
                if room >= 4 and choice < 0.3:
                    steps += [("reply", agent, True, fill(rng.choice(text["agent"])), {"author_role": "agent"}, False),
                              ("status", agent, True, "", {"from": "open", "to": "waiting"}, True),
                              ("reply", requester, True, rng.choice(text["customer"]), {"author_role": "customer"}, False),
                              ("status", requester, True, "", {"from": "waiting", "to": "open"}, True)]
                elif choice < 0.6:
                    steps.append(("note", agent, False, fill(rng.choice(text["note"])), {}, False))
                elif choice < 0.85:
                    steps.append(("reply", requester, True, rng.choice(text["customer"]), {"author_role": "customer"}, False))
                else:
                    steps.append(("reply", agent, True, fill(rng.choice(text["agent"])), {"author_role": "agent"}, False))
        steps += tail
        if len(steps) > 8 and assignee is not None:
            # Long escalations: the ticket waits unassigned in its tier's queue instead (3-8 events).
            steps = [step for step in steps if step[0] != "assignment"]
            assignee = None

        # When: done tickets are solved after hours to days (closed 7 days later, automatically);
        # open ones saw their last activity hours to days ago.
        if status in ("solved", "closed"):
            room = age - timedelta(days=7.5) if status == "closed" else age * 0.8
            end = created + max(timedelta(minutes=5), min(room, timedelta(days=rng.expovariate(1 / 1.5))))
        else:
            end = max(created + age * 0.05, now - timedelta(days=rng.expovariate(1 / 2)))
            end = min(end, now - timedelta(seconds=30))
        closing = status == "closed"
        anchors = [i for i, s in enumerate(steps) if i and not s[5]]
        if closing:
            anchors = anchors[:-1]
        spread = (end - created).total_seconds()
        moments = sorted(rng.random() * spread for _ in anchors[:-1]) + [spread]
        times = [created] * len(steps)
        slots = dict(zip(anchors, moments))
        for i in range(1, len(steps)):
            if closing and i == len(steps) - 1:
                times[i] = times[i - 1] + timedelta(days=7)
            elif i in slots:
                times[i] = max(times[i - 1] + timedelta(seconds=1), created + timedelta(seconds=slots[i]))
            else:
                times[i] = times[i - 1] + timedelta(seconds=2)
        first_reply = tier_since = None
        solved_at = None
        for (kind, actor, public, body, data, _coupled), moment in zip(steps, times):
            events.add(tid, kind, actor, public, body, json.dumps(data, ensure_ascii=False), moment)
            if kind == "reply" and data["author_role"] == "agent" and first_reply is None:
                first_reply = moment
            elif kind == "tier":
                tier_since = moment
            elif kind == "status" and data["to"] == "solved":
                solved_at = moment
        self.stats["events"] += len(steps)
        updated = times[-1]

        next_breach = None
        if status in OPEN:
            self.stats["open"] += 1
            next_breach = self.ticket_clocks(rng, clocks, tid, status, priority, created, first_reply,
                                             tier_since or created, updated)
        elif rng.random() < 0.04 and (t, language) in self.published:
            links.add(tid, rng.choice(self.published[t, language]), "used", assignee, solved_at)
            self.stats["links"] += 1
        reference = f"{settings.HELPDESK_REFERENCE_PREFIX}-{timezone.localtime(created):%Y}-{tid + 1000:06d}"
        tickets.add(tid, reference, subject[:200], description, requester, organisation, category, priority, status,
                    self.tiers[tier].pk, assignee, created, updated, solved_at, next_breach)

    def ticket_clocks(self, rng, clocks, tid, status, priority, created, first_reply, tier_since, updated):
        """First response, resolution and time at tier, as the escalation app keeps them; the running
        ones fall due in the future. Returns the ticket's next breach (the earliest due moment)."""
        now = self.now
        business = priority != Priority.URGENT
        dues = []

        def add(metric, started, state, consumed_share, stopped=None):
            target = self.targets[priority, metric]
            if state == "running":
                due = now + timedelta(minutes=rng.uniform(20, 3 * 24 * 60))
                consumed = target * consumed_share
                warn = due - target * 0.25
                warned, warn_at = (warn, None) if warn <= now else (None, warn)
                next_fire = min(m for m in (warn_at, due) if m is not None)
                clocks.add(tid, metric, self.policy.pk, target, business, 75, state, started, updated, consumed, due,
                           warn_at, warned, None, None, next_fire)
                dues.append(due)
            elif state == "paused":
                clocks.add(tid, metric, self.policy.pk, target, business, 75, state, started, None, target * consumed_share,
                           None, None, None, None, None, None)
            else:  # met
                consumed = min(target * 0.95, max(timedelta(minutes=1), stopped - started))
                clocks.add(tid, metric, self.policy.pk, target, business, 75, state, started, None, consumed,
                           None, None, None, None, stopped, None)
            self.stats["clocks"] += 1

        if first_reply is None:
            add(Metric.FIRST_RESPONSE, created, "running", 0.0)
        else:
            add(Metric.FIRST_RESPONSE, created, "met", 0, stopped=first_reply)
        running = status in ("new", "open")
        add(Metric.RESOLUTION, created, "running" if running else "paused", rng.uniform(0.1, 0.7))
        add(Metric.TIER_TIME, tier_since, "running" if running else "paused", rng.uniform(0.1, 0.7))
        return min(dues) if dues else None


# --- loading ------------------------------------------------------------------------------------

BIG_TABLES = ["tickets_ticket", "tickets_ticketevent", "escalation_ticketclock", "knowledgebase_article",
              "knowledgebase_articlelink"]


def secondary_indexes(tables):
    """The indexes of `tables` that back no constraint: dropped for the load and built afterwards."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)",
            [tables],
        )
        return cursor.fetchall()


def build():
    started = time.perf_counter()
    log("migrating and clearing the benchmark database")
    call_command("migrate", verbosity=0)
    tables = sorted({m._meta.db_table for name in ("tickets", "escalation", "knowledgebase")
                     for m in apps.get_app_config(name).get_models(include_auto_created=True)})
    tables += ["auth_user", "django_session", "authtoken_token"]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # no option list cached for the ids of an earlier load
    indexes = secondary_indexes(BIG_TABLES)
    with connection.cursor() as cursor:
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')

    now = timezone.now()
    builder = Builder(now)
    writer = CopyWriter()
    writer.start()
    builder.people(writer)
    builder.sla()
    writer = CopyWriter()
    writer.start()
    log(f"generating and COPYing {ARGS.articles:,} articles and {ARGS.tickets:,} tickets with their timelines")
    builder.articles(writer)
    builder.tickets(writer)
    writer.finish()
    copied = time.perf_counter()
    log(f"COPY done in {copied - started:.0f} s; building {len(indexes)} indexes, setting sequences, VACUUM ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table in ("auth_user", "tickets_organisation", "tickets_profile", "tickets_ticket", "knowledgebase_article"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        # New tickets filed during the benchmark get numbers above every loaded reference.
        cursor.execute("SELECT max(split_part(reference, '-', 3)::bigint) FROM tickets_ticket")
        cursor.execute("SELECT setval('tickets_ticket_reference_seq', %s)", [cursor.fetchone()[0]])
        cursor.execute("VACUUM (ANALYZE)")
    elapsed = time.perf_counter() - started
    log(f"data built in {elapsed:.0f} s (COPY {copied - started:.0f} s, indexes and VACUUM ANALYZE "
        f"{elapsed - (copied - started):.0f} s): {builder.stats['open']:,} open tickets, "
        f"{builder.stats['events']:,} events, {builder.stats['clocks']:,} clocks")
    return elapsed


def data_present():
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('tickets_ticket') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return False
    return (Ticket.objects.count() == ARGS.tickets and Ticket.objects.filter(id__gt=ARGS.tickets).count() == 0
            and User.objects.count() == len(AGENTS) + ARGS.customers
            and apps.get_model("knowledgebase", "Article").objects.count() == ARGS.articles)


def sizes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM tickets_ticket), (SELECT count(*) FROM tickets_ticketevent), "
            "(SELECT count(*) FROM escalation_ticketclock), (SELECT count(*) FROM knowledgebase_article), "
            "(SELECT count(*) FROM tickets_ticket WHERE status IN ('new','open','waiting','on_hold')), "
            "pg_size_pretty(pg_database_size(current_database())), current_setting('server_version'), "
            "current_setting('shared_buffers'), current_setting('work_mem'), current_setting('jit')"
        )
        return dict(zip(["tickets", "events", "clocks", "articles", "open", "db_size", "pg", "shared_buffers",
                         "work_mem", "jit"], cursor.fetchone()))


# --- endpoints, sessions, in-process query counts ----------------------------------------------


@dataclass
class Endpoint:
    key: str
    label: str
    role: str  # "agent" or "customer"
    paths: list
    method: str = "GET"
    expect: int = 200
    optional: bool = False  # still being built: "n/a (not yet built)" when it does not answer
    queries: list = field(default_factory=list)
    in_process_ms: list = field(default_factory=list)
    python_ms: list = field(default_factory=list)
    sql_ms: list = field(default_factory=list)
    slowest: tuple = (0.0, "")
    result: dict | None = None
    note: str = ""
    floors: list = field(default_factory=list)  # the results of the floor runs just before and after this one


def typical_refs(tier, count=8):
    """Open tickets of the 1st level with a typical timeline (5-6 events), the newest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.reference FROM tickets_ticket t WHERE t.tier_id = %s AND t.status IN ('open', 'waiting') "
            "AND (SELECT count(*) FROM tickets_ticketevent e WHERE e.ticket_id = t.id) BETWEEN 5 AND 6 "
            "ORDER BY t.id DESC LIMIT %s", [tier.pk, count])
        return [row[0] for row in cursor.fetchall()]


def endpoints(refs):
    kb_query = "passwort"
    return [
        Endpoint("queue", "agent queue `/agent/`", "agent", ["/agent/"]),
        Endpoint("ticket", f"ticket page `/agent/tickets/<ref>/` ({len(refs)} in turn)", "agent",
                 [f"/agent/tickets/{r}/" for r in refs]),
        # The ticket page may load its knowledge-base card afterwards (htmx): each view of a ticket costs both.
        Endpoint("kb_panel", "KB card of the ticket page `/kb/tickets/<ref>/panel/` (htmx)", "agent",
                 [f"/kb/tickets/{r}/panel/" for r in refs], optional=True),
        Endpoint("api_list", "API ticket list `/api/v1/tickets/`", "agent", ["/api/v1/tickets/"]),
        Endpoint("api_detail", "API ticket detail `/api/v1/tickets/<ref>/`", "agent", [f"/api/v1/tickets/{r}/" for r in refs]),
        Endpoint("portal", "portal list `/portal/` (customer, ~100 tickets)", "customer", ["/portal/"]),
        Endpoint("kb_page", f"KB search page `/kb/?q={kb_query}` (customer)", "customer", [f"/kb/?q={kb_query}"], optional=True),
        Endpoint("kb_api", f"KB search API `/api/v1/kb/search/?q={kb_query}` (agent)", "agent",
                 [f"/api/v1/kb/search/?q={kb_query}"], optional=True),
        Endpoint("portal_new", "portal: file a ticket, POST `/portal/tickets/new/` -> 302", "customer",
                 ["/portal/tickets/new/"], method="POST", expect=302),
    ]


def floor_endpoint():
    """The floor: a bare Django page (bench/http/urls.py) on the same gunicorn, settings, middleware,
    session cookie and wrk settings as every endpoint."""
    return Endpoint("floor", "**floor**: bare Django page `/bench-floor/` (25 rows of one indexed query; full middleware, agent session)",
                    "agent", ["/bench-floor/"])


def floor_ok_endpoint():
    """What the stack alone costs: `HttpResponse("ok")` behind the same middleware and session."""
    return Endpoint("floor_ok", "`HttpResponse(\"ok\")` `/bench-floor-ok/` (full middleware, agent session)",
                    "agent", ["/bench-floor-ok/"])


def floor_of(results):
    """Mean req/s, p50 and p99 of floor runs."""
    if not results:
        return None
    return {key: statistics.mean(r[key] for r in results)
            for key in ("rps", "p50", "p99", "others", "idle", "per_cpu_second")} | {
        "errors": sum(r["errors"] for r in results), "runs": len(results),
        "min_rps": min(r["rps"] for r in results), "max_rps": max(r["rps"] for r in results)}


def post_data(n):
    return {"subject": f"Drucker im 2. OG druckt nicht ({n})", "category": "",
            "description": "Seit heute Morgen kommt beim Drucken die Meldung Druckerwarteschlange angehalten."}


def count_queries(endpoint, client):
    """Each path three times in-process; the last request of each is counted (the first ones warm the
    caches, and Celery's connection for a POST that enqueues mail). The floor's path exists in the
    benchmark's URL conf only (bench/http/urls.py)."""
    if endpoint.key.startswith("floor"):
        from django.test.utils import override_settings

        with override_settings(ROOT_URLCONF="bench.http.urls"):
            return _count_queries(endpoint, client)
    return _count_queries(endpoint, client)


def _count_queries(endpoint, client):
    for n, path in enumerate(endpoint.paths[:4]):
        for attempt in (0, 1, 2):
            started, cpu = time.perf_counter(), time.process_time()
            with CaptureQueriesContext(connection) as context:
                if endpoint.method == "POST":
                    response = client.post(path, post_data(f"in-process {n}-{attempt}"))
                else:
                    response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            python_ms = (time.process_time() - cpu) * 1000
            if response.status_code != endpoint.expect:
                endpoint.note = f"in-process answer {response.status_code}"
                return False
        endpoint.queries.append(len(context.captured_queries))
        endpoint.in_process_ms.append(elapsed)
        endpoint.python_ms.append(python_ms)
        timed = [(float(q["time"]) * 1000, q["sql"]) for q in context.captured_queries]
        endpoint.sql_ms.append(sum(ms for ms, _ in timed))
        timed = sorted((item for item in timed if item[1].lstrip().upper().startswith("SELECT")), key=lambda item: -item[0])
        if timed and timed[0][0] > endpoint.slowest[0]:
            endpoint.slowest = timed[0]
    return True


# Where a request's time goes, by layer: each row is the cumulative time of the functions named (a
# layer's callees count in it, so rows overlap: SQL is inside the view, the view inside the handler).
PROFILE_LAYERS = [
    ("whole request (handler, all middleware)", ["django.core.handlers.base.BaseHandler.get_response"]),
    ("session: load", ["django.contrib.sessions.backends.cached_db.SessionStore.load"]),
    ("auth: the user", ["django.contrib.auth.get_user"]),
    ("second factor (pending step)", ["tickets.twofactor.pending_step"]),
    ("CSRF", ["django.middleware.csrf.CsrfViewMiddleware.process_view",
              "django.middleware.csrf.CsrfViewMiddleware.process_response"]),
    ("CSP header", ["csp.middleware.CSPMiddleware.process_response"]),
    ("messages", ["django.contrib.messages.middleware.MessageMiddleware.process_response"]),
    ("locale", ["django.middleware.locale.LocaleMiddleware.process_request",
                "django.middleware.locale.LocaleMiddleware.process_response"]),
    ("view (URL resolving, the view and all it calls)", ["django.core.handlers.base.BaseHandler._get_response"]),
    ("templates: render", ["django.template.base.Template._render"]),
    ("templates: includes", ["django.template.loader_tags.IncludeNode.render"]),
    ("templates: tags", ["django.template.library.SimpleNode.render", "django.template.library.InclusionNode.render"]),
    ("templates: variables and filters", ["django.template.base.FilterExpression.resolve"]),
    ("templates: loading (cached loader)", ["django.template.loaders.cached.Loader.get_template"]),
    ("forms: widgets", ["django.forms.boundfield.BoundField.as_widget"]),
    ("DRF serializers", ["rest_framework.serializers.ListSerializer.to_representation",
                         "rest_framework.serializers.Serializer.to_representation"]),
    ("DRF renderer", ["rest_framework.renderers.JSONRenderer.render"]),
    ("translations (gettext)", ["django.utils.translation.trans_real.gettext"]),
    ("SQL: building statements (ORM compiler)", ["django.db.models.sql.compiler.SQLCompiler.execute_sql"]),
    ("SQL: waiting for PostgreSQL", ["~psycopg2.extensions.cursor.execute"]),
]


def _profile_key(dotted):
    """The pstats key (file, line, name) of a function given by its dotted path."""
    import importlib
    import inspect

    if dotted.startswith("~"):  # a C method: cProfile names it by its repr
        module, _, name = dotted[1:].rpartition(".")
        return ("~", 0, f"<method '{name}' of '{module}' objects>")
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        code = inspect.unwrap(obj).__code__
        return (code.co_filename, code.co_firstlineno, code.co_name)
    return None


def profile_endpoint(endpoint, client, requests_per_path=30):
    """cProfile over `requests_per_path` requests (after three warm ones): ms per request by layer,
    the own time of helpdesk/markup.py, and the project's costliest functions."""
    import cProfile
    import pstats

    path = endpoint.paths[0]

    def one(n):
        if endpoint.method == "POST":
            return client.post(path, post_data(f"profile {n}"))
        return client.get(path)

    for n in range(3):
        one(n)
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(requests_per_path):
        one(n)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # {(file, line, name): (cc, nc, tottime, cumtime, callers)}
    per = 1000 / requests_per_path
    print(f"\n### {endpoint.key} `{path}`: ms per request under cProfile (it slows Python about 2x; compare rows)\n")
    print("| layer | ms |\n| --- | ---: |")
    for layer, functions in PROFILE_LAYERS:
        keys = [k for k in map(_profile_key, functions) if k]
        print(f"| {layer} | {sum(stats[k][3] for k in keys if k in stats) * per:.2f} |")
    markup = sum(v[2] for k, v in stats.items() if k[0].endswith("helpdesk/markup.py"))
    print(f"| helpdesk/markup.py, its own Python time | {markup * per:.2f} |")
    own = sorted(((k, v) for k, v in stats.items() if k[0].startswith(str(ROOT)) and "/.venv/" not in k[0]
                  and "/bench/" not in k[0]), key=lambda item: -item[1][3])[:15]
    print("\n| project function | calls/request | cumulative ms/request |\n| --- | ---: | ---: |")
    for (filename, line, name), (_cc, nc, _tottime, cumtime, _callers) in own:
        print(f"| `{os.path.relpath(filename, ROOT)}:{line} {name}` | {nc / requests_per_path:.1f} | {cumtime * per:.2f} |")


def explain(sql):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


# --- gunicorn and wrk ---------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(static_root):
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.http.settings", "BENCH_HTTP_STATIC_ROOT": str(static_root),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SECURE_SSL_REDIRECT": "false",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def collect_static(workdir):
    """Collect the static files for gunicorn and the in-process requests alike (the manifest storage
    refuses a page whose file was never collected)."""
    from django.test.utils import override_settings

    static_root = workdir / "static"
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT,
                   env=server_env(static_root), check=True)
    override_settings(STATIC_ROOT=str(static_root)).enable()


def start_gunicorn(workdir, port):
    env = server_env(workdir / "static")
    logfile = open(workdir / "gunicorn.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "helpdesk/gunicorn_conf.py", "helpdesk.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(ARGS.workers), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT,
    )
    import requests

    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {workdir / 'gunicorn.log'}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"gunicorn did not answer within 60 s; see {workdir / 'gunicorn.log'}")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(output):
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
              "requests": int(re.search(r"(\d+) requests in", output).group(1)),
              "non_2xx_3xx": 0, "socket_errors": 0, "unexpected": 0}
    for percent in ("50", "75", "90", "99"):
        match = re.search(rf"^\s+{percent}%\s+(\S+)", output, re.M)
        result[f"p{percent}"] = _ms(match.group(1)) if match else float("nan")
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result["non_2xx_3xx"] = int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        result["socket_errors"] = sum(map(int, match.groups()))
        result["socket_detail"] = match.group(0)
    if match := re.search(r"BENCH unexpected_status (\d+)", output):
        result["unexpected"] = int(match.group(1))
    return result


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid):
    """CPU seconds (user + system) a live process has used; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def _machine_busy():
    """CPU seconds all cores spent on anything but idling since boot (steal included)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / CLOCK_TICKS


class CpuShare(threading.Thread):
    """How much of the machine other processes took while an endpoint was measured: all busy CPU time
    minus that of gunicorn (master and workers), the PostgreSQL backends of the benchmark database
    (and their parallel workers) and wrk. Sampled every 0.25 s, since gunicorn's database connections
    are replaced every CONN_MAX_AGE seconds."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.database = connection.settings_dict["NAME"]
        self.first, self.last = {}, {}
        self.stop = threading.Event()

    def _pids(self):
        pids = {self.server.pid, os.getpid()}  # this process samples and waits for wrk
        try:
            pids.update(map(int, Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children").read_text().split()))
        except OSError:
            pass
        backends, workers = set(), {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres:"):
                if f" {self.database} " in title:
                    backends.add(int(entry.name))
                elif match := re.search(r"parallel worker for PID (\d+)", title):
                    workers[int(entry.name)] = int(match.group(1))
        self.database_pids.update(backends | {pid for pid, leader in workers.items() if leader in backends})
        return pids | backends | {pid for pid, leader in workers.items() if leader in backends}

    def _sample(self):
        for pid in self._pids():
            used = _cpu_of(pid)
            self.first.setdefault(pid, used if self.started_pids is None or pid in self.started_pids else 0.0)
            self.last[pid] = used

    def run(self):
        while not self.stop.wait(0.25):
            self._sample()

    def __enter__(self):
        self.database_pids = set()
        self.started_pids = None
        self._sample()
        self.started_pids = set(self.first)
        self.busy = _machine_busy()
        self.wall = time.perf_counter()
        children = os.times()
        self.children = children.children_user + children.children_system
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.join()
        self._sample()
        wall = time.perf_counter() - self.wall
        busy = _machine_busy() - self.busy
        ours = sum(self.last[pid] - self.first[pid] for pid in self.first)
        children = os.times()
        wrk = children.children_user + children.children_system - self.children  # reaped by now
        database = sum(self.last[pid] - self.first[pid] for pid in self.first if pid in self.database_pids)
        ours += wrk
        capacity = wall * (os.cpu_count() or 1)
        # Where the machine's time went: the app (gunicorn and this process), PostgreSQL, wrk.
        self.shares = {"app": (ours - wrk - database) / capacity, "postgres": database / capacity, "wrk": wrk / capacity}
        self.others = min(1.0, max(0.0, (busy - ours) / capacity))
        self.idle = max(0.0, 1 - busy / capacity)
        return False


def run_wrk(url, script, headers, env, duration):
    command = ["wrk", f"-t{ARGS.threads}", f"-c{ARGS.connections}", f"-d{duration}s", f"--timeout={ARGS.timeout}s",
               "--latency", "-s", str(script)]
    for header in headers:
        command += ["-H", header]
    command.append(url)
    completed = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True,
                               timeout=duration + 60, cwd=HERE)  # the scripts dofile() status.lua
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed: {completed.stderr or completed.stdout}")
    return completed.stdout


def csrf_for(base, cookie_header):
    """The csrftoken cookie and the form's token, from GETting the new-ticket form like a browser."""
    import requests

    response = requests.get(f"{base}/portal/tickets/new/", headers={"Cookie": cookie_header}, allow_redirects=False, timeout=10)
    if response.status_code != 200:
        raise SystemExit(f"GET /portal/tickets/new/ answered {response.status_code}: the customer session is not accepted")
    cookie = response.cookies.get(settings.CSRF_COOKIE_NAME)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)
    return cookie, token


def measure(endpoint, base, cookies, csrf, server):
    import requests

    headers = [f"Cookie: {cookies[endpoint.role]}"]
    env = {"BENCH_EXPECT": str(endpoint.expect)}
    if endpoint.method == "POST":
        headers = [f"Cookie: {cookies['customer']}; {settings.CSRF_COOKIE_NAME}={csrf[0]}",
                   f"Referer: {base}/portal/tickets/new/"]
        env["BENCH_CSRF_TOKEN"] = csrf[1]
        script = HERE / "post_ticket.lua"
        check = requests.post(f"{base}{endpoint.paths[0]}", data={**post_data("check"), "csrfmiddlewaretoken": csrf[1]},
                              headers={"Cookie": headers[0][len("Cookie: "):], "Referer": f"{base}/portal/tickets/new/"},
                              allow_redirects=False, timeout=30)
    else:
        env["BENCH_PATHS"] = " ".join(endpoint.paths)
        script = HERE / "rotate.lua"
        check = requests.get(f"{base}{endpoint.paths[0]}", headers={"Cookie": cookies[endpoint.role]},
                             allow_redirects=False, timeout=30)
    if check.status_code != endpoint.expect:
        if endpoint.optional:
            endpoint.note = f"n/a (not yet built): answers {check.status_code}"
        else:
            endpoint.note = f"answers {check.status_code} instead of {endpoint.expect}"
        log(f"{endpoint.key}: {endpoint.note}")
        return
    url = f"{base}{endpoint.paths[0]}"
    run_wrk(url, script, headers, env, ARGS.warmup)
    before = Ticket.objects.order_by("-id").values_list("id", flat=True).first()
    with CpuShare(server) as cpu:
        output = run_wrk(url, script, headers, env, ARGS.duration)
    result = parse_wrk(output)
    result["others"], result["idle"], result["shares"] = cpu.others, cpu.idle, cpu.shares
    busy = (cpu.shares["app"] + cpu.shares["postgres"]) * (os.cpu_count() or 1)
    result["per_cpu_second"] = result["rps"] / busy if busy else float("nan")
    result["raw"] = output
    if endpoint.method == "POST":
        filed = Ticket.objects.filter(id__gt=before).count()
        result["filed"] = filed
        # A response lost on the way still filed its ticket: only tickets missing for answers count.
        result["unexpected"] = max(result["unexpected"], result["requests"] - filed)
    result["errors"] = result["unexpected"] + result["socket_errors"]
    endpoint.result = result
    log(f"{endpoint.key}: {result['rps']:.0f} req/s, p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, "
        f"errors {result['errors']} (machine: app {cpu.shares['app']:.0%}, PostgreSQL {cpu.shares['postgres']:.0%}, "
        f"wrk {cpu.shares['wrk']:.0%}, other processes {cpu.others:.0%}, idle {cpu.idle:.0%}; "
        f"{result['per_cpu_second']:.0f} requests per CPU-second of app and PostgreSQL)")


# --- report -------------------------------------------------------------------------------------


def share_of_floor(endpoint) -> float:
    return endpoint.result["rps"] / floor_of(endpoint.floors)["rps"]


def verdict(endpoint):
    r = endpoint.result
    missed = []
    if r["p99"] >= GOAL_P99_MS:
        missed.append(f"p99 {r['p99']:.0f} ms ≥ {GOAL_P99_MS:.0f} ms")
    if r["errors"]:
        missed.append(f"{r['errors']} errors")
    goal = GOAL_SHARE.get(endpoint.key, GOAL_SHARE_OTHERS)
    if endpoint.floors and share_of_floor(endpoint) < goal:
        missed.append(f"{share_of_floor(endpoint):.0%} of the floor < {goal:.0%}")
    return missed


def aim_reached(endpoint) -> bool | None:
    if endpoint.key not in GOAL_SHARE or endpoint.result is None or not endpoint.floors:
        return None
    return share_of_floor(endpoint) >= AIM_SHARE and endpoint.result["p99"] < AIM_P99_MS


def machine_text() -> str:
    return "; ".join(machine_lines()) + "."


def queries_text(endpoint):
    if not endpoint.queries:
        return "–"
    low, high = min(endpoint.queries), max(endpoint.queries)
    return str(low) if low == high else f"{low}–{high}"


def tree_state():
    """The commit and how many files differ from it: the pages measured are the working tree's."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.splitlines()
    except OSError:
        return "unknown"
    return f"{head or 'unknown'}" + (f" + {len(changed)} changed or new files" if changed else "")


def report(points, data, load_seconds, reused, machine=""):
    print()
    print(f"## HTTP load benchmark ({data['tickets']:,} tickets)")
    print()
    print(f"Run {time.strftime('%Y-%m-%d %H:%M')} on the working tree at {tree_state()}.")
    print()
    print(f"gunicorn {ARGS.workers} sync workers (production settings, DEBUG off), wrk -t{ARGS.threads} "
          f"-c{ARGS.connections} -d{ARGS.duration}s --latency after a {ARGS.warmup} s warm-up, all on this "
          f"{os.cpu_count()}-core machine. Data: {data['tickets']:,} tickets ({data['open']:,} open), "
          f"{data['events']:,} timeline events, {data['clocks']:,} SLA clocks, {data['articles']:,} articles; database "
          f"{data['db_size']} (PostgreSQL {data['pg']}, shared_buffers {data['shared_buffers']}, work_mem "
          f"{data['work_mem']}, jit {data['jit']}). "
          + (f"Load: {load_seconds:.0f} s." if not reused else "Data reused from an earlier run (--reuse)."))
    print()
    print(machine)
    print()
    print("| endpoint | req/s | p50 ms | p99 ms | errors | SQL queries/request | floor req/s | floor p50 / p99 ms "
          "| req/s ÷ floor | other processes' CPU | req per CPU-second (app + PostgreSQL) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for e in points:
        r = e.result
        if r is None:
            print(f"| {e.label} | {e.note or 'not run'} | | | | {queries_text(e)} | | | | | |")
            continue
        if e.key == "floor_ok":
            print(f"| {e.label}, mean of {r['runs']} runs | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} "
                  f"| {queries_text(e)} | | | {r['rps'] / e.floors[0]['rps']:.2f} | {r['others']:.0%} | "
                  f"{r['per_cpu_second']:.0f} |")
            continue
        if e.key == "floor":
            print(f"| {e.label}, mean of {r['runs']} runs | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} "
                  f"| {queries_text(e)} | {r['min_rps']:.0f}–{r['max_rps']:.0f} | | 1 | {r['others']:.0%} | "
                  f"{r['per_cpu_second']:.0f} |")
            continue
        f = floor_of(e.floors)
        print(f"| {e.label} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} | {queries_text(e)} | "
              f"{f['rps']:.0f} | {f['p50']:.1f} / {f['p99']:.1f} | {r['rps'] / f['rps']:.3f} | {r['others']:.0%} | "
              f"{r['per_cpu_second']:.0f} |")
    print()
    print("The floor is a bare Django page (bench/http/urls.py: the signed-in user, one indexed query for 25 tickets drawn "
          "by a Django template, behind the full middleware with the agent's session cookie) on the same gunicorn, settings and wrk settings, measured before the first endpoint and after "
          "each one; an endpoint's floor columns are the mean of the runs just before and after it (the floor row: all "
          "runs, with the range of their req/s). Other processes' load slows the floor and the endpoints alike, so "
          "compare runs by the ratios. Not entirely: when other processes keep the cores busy, the floor's workers, "
          "which sleep between tiny requests, get a larger share of the CPU than those of a page that computes for "
          "milliseconds. The last column does not depend on the share: requests per CPU-second that the app (gunicorn, "
          "this process) and the benchmark database's PostgreSQL backends took. The `HttpResponse(\"ok\")` row (measured "
          "first and last) is what the stack alone costs; its share is against the first floor run.")
    print()
    print(f"Goals (for 1,000,000 tickets, shares of the floor in the same run): agent queue, ticket page and API ticket "
          f"list ≥ {GOAL_SHARE['queue']:.0%} of the floor with p99 < {GOAL_P99_MS:.0f} ms (the mark to aim for: "
          f"{AIM_SHARE:.0%} with p99 < {AIM_P99_MS:.0f} ms); every other endpoint ≥ {GOAL_SHARE_OTHERS:.0%} with p99 < "
          f"{GOAL_P99_MS:.0f} ms; no errors anywhere. Filing a ticket in the portal also beside django-helpdesk's submit "
          f"({PEER_PORTAL_SUBMIT_RPS} req/s at 100,000 tickets on this machine, issue 16; goal 3×). Errors are answers "
          "other than the expected status (200, or 302 for the POST; wrk alone would count a redirect to the login page "
          "as a success) plus socket errors.")
    print()
    for e in points:
        if e.result is None:
            continue
        missed = [] if e.key.startswith("floor") else verdict(e)
        aim = aim_reached(e)
        peer = (f"; {e.result['rps'] / PEER_PORTAL_SUBMIT_RPS:.1f}× django-helpdesk's submit"
                if e.key == "portal_new" else "")
        print(f"- {e.key}: " + (f"{e.result['runs']} runs, mean" if e.key.startswith("floor") else
                                ("meets the goals" if not missed else "misses: " + "; ".join(missed))
                                + ("" if aim is None else "; the mark (50 %, p99 < 50 ms) " + ("reached" if aim else "not yet"))
                                + peer)
              + f" (other processes took {e.result['others']:.0%} of the machine's CPU during the run, "
              f"{e.result['idle']:.0%} idle)")
    print()
    print(f"With {ARGS.connections} connections on {ARGS.workers} sync workers a request waits for the ones ahead of it "
          f"(Little's law: mean latency ≈ {ARGS.connections} / throughput), so p99 < 100 ms needs about "
          f"{ARGS.connections * 1000 / GOAL_P99_MS:.0f}+ req/s on that endpoint.")
    print()
    cores = os.cpu_count() or 1
    print("In-process, one request at a time (django.test.Client, DEBUG off): the Python CPU time of a request "
          "does not depend on what else runs on the machine, the SQL time (PostgreSQL's, as the client waits for it) "
          f"does somewhat. The ceiling is what {cores} cores could serve if they did nothing but this: "
          f"{cores} / (Python CPU + SQL time), before HTTP parsing, gunicorn and wrk take their share.")
    print()
    print("| endpoint | ms/request | Python CPU ms | SQL ms | SQL queries | slowest SELECT ms | ceiling req/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for e in points:
        if e.in_process_ms:
            python_ms, sql_ms = statistics.mean(e.python_ms), statistics.mean(e.sql_ms)
            print(f"| {e.key} | {statistics.mean(e.in_process_ms):.1f} | {python_ms:.1f} | {sql_ms:.1f} | "
                  f"{queries_text(e)} | {e.slowest[0]:.1f} | {cores * 1000 / max(0.1, python_ms + sql_ms):.0f} |")
    for e in points:
        if e.key == "floor" or not e.slowest[1] or not (ARGS.explain or (e.result is not None and verdict(e))):
            continue
        python_ms, sql_ms = statistics.mean(e.python_ms), statistics.mean(e.sql_ms)
        if e.slowest[0] < SLOW_QUERY_MS and not ARGS.explain:
            print()
            print(f"- {e.key}: SQL is not what limits it ({sql_ms:.1f} ms of SQL, slowest SELECT {e.slowest[0]:.1f} ms, "
                  f"against {python_ms:.1f} ms of Python CPU per request): the time goes to Django, its templates and forms.")
            continue
        print()
        print(f"### {e.key}: the slowest SELECT ({e.slowest[0]:.1f} ms in-process)")
        print()
        print("```sql")
        print(e.slowest[1][:3000])
        print("```")
        print()
        print("```")
        print(explain(e.slowest[1]))
        print("```")


def cleanup(filed_after):
    """Drop what the benchmark filed and logged, so that --reuse finds the data as it was built."""
    from knowledgebase.models import SearchLog
    from django.contrib.sessions.models import Session

    Ticket.objects.filter(id__gt=filed_after).delete()
    SearchLog.objects.all().delete()
    Session.objects.all().delete()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def main():
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: `make bench-http` installs it (apt-get install wrk)")
    workdir = ROOT / ".local" / "bench" / "http"
    workdir.mkdir(parents=True, exist_ok=True)
    reused = ARGS.reuse and data_present()
    load_seconds = 0.0
    if reused:
        log("reusing the data in the benchmark database (after applying any new migrations)")
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT max(split_part(reference, '-', 3)::bigint) FROM tickets_ticket")
            cursor.execute("SELECT setval('tickets_ticket_reference_seq', greatest(%s, "
                           "(SELECT last_value FROM tickets_ticket_reference_seq)))", [cursor.fetchone()[0]])
    else:
        load_seconds = build()
    data = sizes()

    agent = User.objects.get(username="first1")
    customer = User.objects.get(username=BENCH_CUSTOMER)
    refs = typical_refs(Tier.objects.get(level=1))
    clients, cookies = {}, {}
    for role, user in (("agent", agent), ("customer", customer)):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        clients[role] = client
        cookies[role] = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    log(f"agent first1 (1st level), customer {BENCH_CUSTOMER} with "
        f"{Ticket.objects.filter(requester=customer).count()} tickets; ticket pages: {', '.join(refs)}")

    only = {key for key in ARGS.only.split(",") if key}
    points = [e for e in endpoints(refs) if not only or e.key in only]
    floor, floor_ok = floor_endpoint(), floor_ok_endpoint()
    filed_after = ARGS.tickets
    collect_static(workdir)
    log("counting SQL queries per request in-process")
    for endpoint in [floor, floor_ok, *points]:
        try:
            ok = count_queries(endpoint, clients[endpoint.role])
        except Exception as error:  # noqa: BLE001 (a page still being built may fail; the HTTP check reports it)
            ok = False
            endpoint.note = f"in-process error: {type(error).__name__}: {str(error)[:200]}"
        if not ok:
            log(f"{endpoint.key}: {endpoint.note}")

    if ARGS.profile:
        for endpoint in [floor, floor_ok, *points]:
            if endpoint.note:
                continue
            if endpoint.key.startswith("floor"):
                from django.test.utils import override_settings

                with override_settings(ROOT_URLCONF="bench.http.urls"):
                    profile_endpoint(endpoint, clients[endpoint.role])
            else:
                profile_endpoint(endpoint, clients[endpoint.role])
        cleanup(filed_after)
        return

    port = free_port()
    log(f"starting gunicorn ({ARGS.workers} sync workers, production settings) on 127.0.0.1:{port}")
    server = start_gunicorn(workdir, port)
    base = f"http://127.0.0.1:{port}"
    floor_runs, ok_runs, raw = [], [], []

    def measure_floor():
        run = floor_endpoint()
        measure(run, base, cookies, csrf, server)
        if run.result is None:
            raise SystemExit(f"the floor page {run.paths[0]} {run.note}: see bench/http/urls.py")
        floor_runs.append(run.result)
        raw.append(f"## floor {len(floor_runs)}\n{run.result['raw']}")
        return run.result

    def measure_floor_ok():
        run = floor_ok_endpoint()
        measure(run, base, cookies, csrf, server)
        if run.result is not None:
            ok_runs.append(run.result)
            raw.append(f"## floor_ok {len(ok_runs)}\n{run.result['raw']}")

    machine = machine_text()
    try:
        csrf = csrf_for(base, cookies["customer"])
        measure_floor_ok()
        before = measure_floor()
        for endpoint in points:
            measure(endpoint, base, cookies, csrf, server)
            if endpoint.result is None:
                continue
            raw.append(f"## {endpoint.key}\n{endpoint.result['raw']}")
            after = measure_floor()
            endpoint.floors = [before, after]
            before = after
        measure_floor_ok()
    finally:
        server.terminate()
        server.wait(30)
    floor.result = floor_of(floor_runs)
    floor_ok.result, floor_ok.floors = floor_of(ok_runs), [floor.result]
    (workdir / "wrk-output.txt").write_text("\n\n".join(raw))
    (workdir / "results.json").write_text(json.dumps({
        "tree": tree_state(), "tickets": data["tickets"], "machine": machine, "floor": floor.result,
        "floor_ok": floor_of(ok_runs),
        "endpoints": {e.key: {**{k: v for k, v in e.result.items() if k != "raw"}, "queries": e.queries,
                              "floor": floor_of(e.floors), "ratio": e.result["rps"] / floor_of(e.floors)["rps"]}
                      for e in points if e.result},
    }, indent=1))
    report([floor, floor_ok, *points], data, load_seconds, reused, machine)
    filed = Ticket.objects.filter(id__gt=filed_after).count()
    cleanup(filed_after)
    log(f"removed the {filed:,} tickets filed during the benchmark, the search log and the sessions; "
        f"flushed Redis db {ARGS.redis_db}")


if __name__ == "__main__":
    main()
