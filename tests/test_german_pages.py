"""Every agent, portal, knowledge-base and account page, and the admin's, read by German users on
demo data, shows no English text of our own.

What counts as English: the msgids of our German catalogue (locale/de/LC_MESSAGES/django.po) whose
German differs, cut at their placeholders and tags into the literal phrases a page can show. A phrase
is looked for as visible text (text nodes, and the placeholder, title, aria-label and alt a reader
meets), after what people typed (subjects, messages, articles, names) is taken out. The pages are
found as a reader finds them, by following the links of each start page; a test checks that this
reached every page the apps have."""

import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import polib
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

pytestmark = pytest.mark.django_db

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "de" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\([^)]*\)[sdfr]|%[sdfr]|\{[^}]*\}|<[^>]+>|&[a-z]+;")
# Words both languages use alike, which a German page may show in a German sentence.
SHARED_WORDS = {"ok", "e-mail", "status", "ticket", "tickets", "name", "level", "login", "api", "token", "sla",
                "chat", "software", "hardware", "link", "links", "details", "info", "team", "portal", "support",
                "helpdesk", "admin", "filter", "version", "versionen", "minimum", "maximum", "start", "stop", "export"}
MAX_PAGES_PER_READER = 150
# English that Django's admin writes without translating it: alt="Search" of the changelist's search
# icon (django/contrib/admin/templates/admin/search_form.html, Django 5.2).
UPSTREAM_ENGLISH = {"Search"}
# Not followed: leaves the pages (files, raw mail, the API), changes state on GET, or is the admin
# beyond its start pages (Django's own pages: its catalogue, not ours).
SKIP_PREFIXES = ("/api/", "/static/", "/media/", "/attachments/", "/accounts/logout/", "/language/", "/admin/")


def english_phrases() -> list[str]:
    phrases = set()
    german_words = set()
    entries = [e for e in polib.pofile(str(CATALOGUE)) if not e.obsolete and not e.fuzzy]
    for entry in entries:
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            german_words |= {w.lower() for w in re.findall(r"[\w-]+", text)}
    for entry in entries:
        translations = [entry.msgstr, *entry.msgstr_plural.values()]
        for source in (entry.msgid, entry.msgid_plural):
            if not source or source in translations:
                continue
            for piece in PLACEHOLDER.split(source):
                piece = " ".join(piece.split()).strip(" .,:;!?()“”\"'–-…/")
                words = re.findall(r"[A-Za-z][A-Za-z'’-]*", piece)
                if not words or not re.fullmatch(r"[A-Za-z0-9 ,.;:!?'’()&/+-]+", piece):
                    continue
                if len(words) == 1:
                    word = words[0].lower()
                    # One word: only where it is plainly English (not German too, not a shared term).
                    if len(word) < 4 or word in SHARED_WORDS or word in german_words:
                        continue
                elif all(w.lower() in german_words or w.lower() in SHARED_WORDS for w in words):
                    continue
                phrases.add(piece)
    return sorted(phrases, key=len, reverse=True)


class VisibleText(HTMLParser):
    """The text a reader meets, and the links and htmx addresses to follow."""

    SILENT = {"script", "style", "template"}
    READ_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.links, self._silent, self._silent_tags = [], [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # A text marked as another language is meant to be read in it (e.g. "English" in the
        # language menu).
        # A search hit's snippet is an article's text cut around the marked words (people's writing).
        if tag in self.SILENT or (attrs.get("lang") and not attrs["lang"].startswith("de")) \
                or "kb-snippet" in (attrs.get("class") or "").split():
            self._silent += 1
            self._silent_tags.append(tag)
        for name in self.READ_ATTRIBUTES:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])
        for name in ("href", "hx-get"):
            if attrs.get(name):
                self.links.append(attrs[name])

    def handle_endtag(self, tag):
        if self._silent_tags and tag == self._silent_tags[-1]:
            self._silent_tags.pop()
            self._silent -= 1

    def handle_data(self, data):
        if not self._silent and data.strip():
            self.parts.append(data)


def user_content() -> list[str]:
    """What people typed, longest first: it may be in any language."""
    from knowledgebase.models import Article
    from mailchannel.models import InboundMessage, Mailbox
    from tickets.models import Organisation, Ticket, TicketEvent

    texts = set()
    for ticket in Ticket.objects.all():
        texts |= {ticket.subject, ticket.description if hasattr(ticket, "description") else ""}
    texts |= set(TicketEvent.objects.values_list("body", flat=True))
    for article in Article.objects.all():
        texts |= {str(getattr(article, f, "") or "") for f in ("title", "problem", "environment", "cause", "resolution", "summary")}
        texts |= set(article.tags or [])
    for user in get_user_model().objects.all():
        texts |= {user.first_name, user.last_name, user.get_full_name(), user.username, user.email}
    texts |= set(Organisation.objects.values_list("name", flat=True))
    from problems.models import ChangeProposal, Problem

    for problem in Problem.objects.all():
        texts |= {str(getattr(problem, f) or "") for f in (
            "title", "description", "cause", "affected_systems", "affected_versions",
            *(f"{field}_{code}" for field in ("summary", "workaround", "resolution") for code in ("de", "en")))}
    for proposal in ChangeProposal.objects.all():
        texts |= {proposal.title, proposal.reason, proposal.components, proposal.decision_reason}
    texts |= set(Mailbox.objects.values_list("name", flat=True)) | set(Mailbox.objects.values_list("address", flat=True))
    texts |= set(InboundMessage.objects.values_list("subject", flat=True))
    from macros.models import Macro

    for macro in Macro.objects.all():
        texts |= {macro.title_de or "", macro.title_en or "", macro.body_de or "", macro.body_en or ""}
    texts |= {line for text in list(texts) for line in (text or "").splitlines()}
    return sorted((" ".join(t.split()) for t in texts if t and t.strip()), key=len, reverse=True)


def english_on(html: str, phrases, typed) -> tuple[list[str], list[str]]:
    parser = VisibleText()
    parser.feed(html)
    text = " \n ".join(" ".join(part.split()) for part in parser.parts)
    for content in typed:
        if len(content) >= 3:
            text = text.replace(content, " ")
    found = []
    for phrase in phrases:
        if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text):
            found.append(phrase)
            text = text.replace(phrase, " ")
    return found, parser.links


def crawl(client: Client, starts, phrases, typed):
    """Follow the reader's links from `starts`; returns {path: English phrases} and the URL names seen."""
    queue, seen, findings, names = deque(starts), set(), {}, set()
    while queue and len(seen) < MAX_PAGES_PER_READER:
        url = queue.popleft()
        parts = urlsplit(url)
        # One visit per page and set of query parameters (not per value): page 2 reads like page 1.
        shape = (parts.path, tuple(sorted(k for k, _, _ in (q.partition("=") for q in parts.query.split("&") if q))))
        if shape in seen:
            continue
        seen.add(shape)
        response = client.get(url)
        assert response.status_code < 500, url
        try:
            match = resolve(parts.path)
            names.add(f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name)
        except Resolver404:
            pass
        if response.status_code in (301, 302):
            queue.append(response["Location"])
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        found, links = english_on(response.content.decode(), phrases, typed)
        if parts.path.startswith(("/admin/", "/agent/configuration/")):  # both are Django admin sites
            found = [phrase for phrase in found if phrase not in UPSTREAM_ENGLISH]
        if found:
            findings[url] = found
        for link in links:
            target = urlsplit(link)
            if target.scheme or target.netloc or not target.path.startswith("/") or target.path.startswith(SKIP_PREFIXES):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return findings, names


@pytest.fixture
def demo(db, settings):
    settings.LANGUAGE_CODE = "en"
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    call_command("seed_demo_mailbox", stdout=open("/dev/null", "w"))
    from escalation.models import Notification
    from tickets.models import Ticket

    from mailchannel.models import Mailbox
    from mailchannel.services import receive_message

    raw = ("From: Anna Meier <anna@example.com>\r\nTo: {to}\r\nSubject: Drucker im Lager druckt nicht\r\n"
           "Message-ID: <walk-1@example.com>\r\nDate: Tue, 24 Nov 2026 09:00:00 +0100\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\nSeit heute Morgen kommt nichts mehr heraus.\r\n")
    mailbox = Mailbox.objects.first()
    receive_message(mailbox=mailbox, raw=raw.format(to=mailbox.address).encode())
    first1 = get_user_model().objects.get(username="first1")
    ticket = Ticket.objects.order_by("id").first()
    Notification.objects.create(recipient=first1, ticket=ticket, kind="warned",
                                data={"metric": "resolution", "due_at": "2026-11-24T10:00:00+00:00"})


def german_client(username):
    client = Client(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    return client


READERS = {
    "agent (1st level)": ("first1", ["/agent/", "/agent/tickets/new/", "/agent/notifications/", "/agent/find/?q=Anna",
                                     "/agent/customers/?q=Anna", "/kb/", "/kb/review/", "/accounts/api-token/",
                                     "/accounts/password_change/"]),
    "agent (3rd level)": ("third1", ["/agent/?status=all&tier=all", "/kb/", "/kb/articles/new/", "/kb/review/",
                                     "/agent/problems/", "/agent/problems/candidates/"]),
    "customer": ("anna@example.com", ["/portal/", "/portal/tickets/new/", "/kb/", "/kb/suggest/?q=VPN",
                                      "/accounts/api-token/", "/accounts/password_change/"]),
    "visitor": (None, ["/", "/accounts/login/", "/accounts/register/", "/accounts/password_reset/",
                       "/accounts/password_reset/done/", "/kb/"]),
    "admin": ("admin", ["/admin/", "/admin/tickets/category/", "/admin/tickets/tier/", "/admin/tickets/category/1/change/"]),
}


def test_the_english_phrases_come_from_our_catalogue():
    phrases = english_phrases()
    assert "Ticket queue" in phrases and "overdue" in phrases and "Last update" in phrases
    assert "Status" not in phrases and "Ticket" not in phrases  # the same in German


def test_german_readers_meet_no_english_of_ours(demo):
    phrases, typed = english_phrases(), user_content()
    problems, visited = {}, set()
    for reader, (username, starts) in READERS.items():
        findings, names = crawl(german_client(username), starts, phrases, typed)
        visited |= names
        problems.update({f"{reader} {url}": found for url, found in findings.items()})
    assert problems == {}, "\n".join(f"{where}: {found}" for where, found in sorted(problems.items()))

    # The walk reached every page of the apps (what is left only answers a form or a script).
    from django.urls import get_resolver

    pages = set()
    for namespace in ("agent", "portal", "kb", "mailchannel", "macros"):
        pages |= {f"{namespace}:{name}" for name in get_resolver().namespace_dict[namespace][1].reverse_dict if isinstance(name, str)}
    pages |= {"home", "notifications", "register", "api_token", "login", "password_change", "password_reset"}
    assert sorted(pages - visited - NOT_PAGES) == []


# Addresses that answer a POST (or a script) only, or a file, not a page to read.
NOT_PAGES = {
    "agent:ticket_take", "agent:ticket_action", "agent:queue_bulk", "agent:customer_tickets", "portal:ticket_reply", "portal:ticket_status",
    "kb:article_feedback", "kb:article_deflect", "kb:article_submit", "kb:article_publish", "kb:article_send_back",
    "kb:article_archive", "kb:link_article", "kb:use_in_reply", "kb:article_from_ticket", "kb:ticket_panel",
    "notifications_read", "mailchannel:inbound_raw", "macros:delete", "macros:picker", "macros:selection_apply",
}
