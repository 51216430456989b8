"""Who may reach what: every URL of the URL configuration, with GET and with POST, for an anonymous
visitor, two customers, an agent of each tier and an admin. Each URL name has an entry in ACCESS
saying who may use it; the test fails for a URL without one, so a new page or endpoint cannot slip
in without deciding who may reach it.

"Allowed" means the request got past authentication and permissions (a page, a redirect after
the action, a 400 for the empty form, a 405 for a method the URL does not take). "Denied" is a
redirect to the login page, 401, 403 or 404 (a customer asking for another's ticket learns nothing
about it)."""

import re

import pytest
from django.db import transaction
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import CustomerFactory, UserFactory, make_agent, make_ticket

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "customer", "other_customer", "agent1", "agent2", "agent3", "admin")
AGENTS = ("agent1", "agent2", "agent3")


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = ":".join(part for part in (namespace, pattern.name or "") if part)
            yield prefix + str(pattern.pattern), name


def url_patterns():
    """(route, name) of every URL, DRF's format-suffix twins left out (same view, same rules)."""
    seen = set()
    for route, name in _walk(get_resolver().url_patterns):
        if "(?P<format>" in route or r"\.(?P" in route:
            continue
        if (route, name) not in seen:
            seen.add((route, name))
            yield route, name


@pytest.fixture
def world(tiers, category):
    """One of everything a URL can name, belonging to `customer`."""
    from knowledgebase import services as kb
    from mailchannel import services as mail
    from mailchannel.models import Mailbox, OutboundMessage

    people = {
        "customer": CustomerFactory(username="anna@example.com", first_name="Anna"),
        "other_customer": CustomerFactory(username="bert@example.com", first_name="Bert"),
        "agent1": make_agent(tiers[0], username="first"),
        "agent2": make_agent(tiers[1], username="second"),
        "agent3": make_agent(tiers[2], username="third"),
        "admin": UserFactory(username="root", is_staff=True, is_superuser=True),
    }
    people["agent3"].user_permissions.add(Permission.objects.get(codename="review_article"))
    ticket = make_ticket(people["customer"], subject="Drucker", attachments=[
        SimpleUploadedFile("log.txt", b"line", content_type="text/plain")])
    article = kb.article_create(author=people["agent3"], title="VPN", problem="Bricht ab.", resolution="Update.",
                                language="de", audience="public")
    kb.article_submit(article=article, actor=people["agent3"])
    kb.article_publish(article=article, reviewer=people["agent3"])
    mailbox = Mailbox.objects.create(name="support", address="support@example.test", language="de")
    inbound = mail.receive_message(mailbox=mailbox, raw=(
        f"From: {people['customer'].email}\r\nTo: support@example.test\r\nSubject: [{ticket.reference}] Noch was\r\n"
        "Message-ID: <m1@client.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n").encode())
    from privacy.models import ErasureReason, ErasureRecord, ErasureRequest
    from problems import services as problems

    problem = problems.problem_create(actor=people["agent3"], title="VPN drops")
    proposal = problems.proposal_create(problem=problem, actor=people["agent3"], title="Raise keep-alive", reason="Drops")

    from macros import services as macros

    for_everyone = macros.macro_create(actor=people["admin"], scope="global", title_en="Log file", body_en="Send it.")
    spare = macros.macro_create(actor=people["admin"], scope="global", title_en="Spare", body_en="For deleting.")

    return {
        "macro": for_everyone, "spare_macro": spare,
        "erasure": ErasureRecord.objects.create(reason=ErasureReason.RETENTION, tickets=1),
        "erasure_request": ErasureRequest.objects.create(person=people["customer"]),
        "problem": problem, "proposal": proposal,
        "people": people, "ticket": ticket, "article": article, "inbound": inbound,
        "attachment": ticket.attachments.first(), "outbound": OutboundMessage.objects.first(),
    }


def _pk_for(name: str, world) -> int:
    if name.startswith("api-privacy-erasures"):
        return world["erasure"].pk
    if name.startswith("api-privacy-requests"):
        return world["erasure_request"].pk
    if name.startswith("api-privacy-"):  # people/<pk>/export/ and erase/
        return world["people"]["customer"].pk
    if name.startswith(("problems:", "problems-api:")):
        return world["problem"].pk
    if name == "macros:delete":  # the admin deletes it: the other URLs keep theirs
        return world["spare_macro"].pk
    if name.startswith(("macros:", "macros-api:")):
        return world["macro"].pk
    if "attachment" in name:
        return world["attachment"].pk
    if name.startswith(("kb:", "kb-api:")):
        return world["article"].pk
    if "customer" in name:
        return world["people"]["customer"].pk
    if "outbound" in name:
        return world["outbound"].pk
    return world["inbound"].pk


def _admin_object(name: str):
    from django.apps import apps

    match = re.match(r"(?:admin|configuration):(\w+?)_(\w+)_(change|delete|history)$", name)
    if not match:
        return None
    for model in apps.get_models():
        if f"{model._meta.app_label}_{model._meta.model_name}" == f"{match[1]}_{match[2]}":
            obj = model._default_manager.order_by("pk").first()
            return obj.pk if obj else None
    return None


def concrete_path(route: str, name: str, world) -> str | None:
    """A real address for the route, naming the world's objects; None where none exists."""
    path = route.replace("^", "").replace("$", "")
    reference = world["ticket"].reference
    path = re.sub(r"<str:reference>|\(\?P<reference>[^)]*\)", reference, path)
    if "<path:object_id>" in path:
        pk = _admin_object(name)
        if pk is None:
            return None
        path = path.replace("<path:object_id>", str(pk))
    path = re.sub(r"<int:pk>|\(\?P<pk>[^)]*\)|<path:pk>", str(_pk_for(name, world)), path)
    path = re.sub(r"<int:proposal_pk>|\(\?P<proposal_pk>[^)]*\)", str(world["proposal"].pk), path)
    path = path.replace("<slug:action>", "note").replace("<uidb64>", "MQ").replace("<token>", "set-password")
    path = path.replace("<str:app_label>", "tickets")
    path = path.replace("<path:content_type_id>/<path:object_id>", "1/1")
    if "<" in path or "(?P" in path or "\\" in path:
        return None
    return "/" + path


def outcome(client: Client, method: str, path: str) -> str:
    """What the request got, undone afterwards so that every request meets the same world."""
    with transaction.atomic():
        if path.startswith("/api/"):  # as API clients call: JSON in, JSON out
            extra = {"data": "{}", "content_type": "application/json"} if method == "post" else {}
            response = getattr(client, method)(path, HTTP_ACCEPT="application/json", **extra)
        else:
            response = getattr(client, method)(path)
        transaction.set_rollback(True)
    code = response.status_code
    assert code < 500, (method, path, code)
    if code == 405:
        return "method not allowed"
    if code == 302 and re.search(r"/(accounts|admin|agent/configuration)/login/", response.get("Location", "")):
        return "login"
    if code in (401, 403):
        return "forbidden"
    if code == 404:
        return "not found"
    return "allowed"


A, L, F, N = "allowed", "login", "forbidden", "not found"
#                        anonymous customer other_customer agent1 agent2 agent3 admin
PUBLIC = (A, A, A, A, A, A, A)
SIGNED_IN = (L, A, A, A, A, A, A)
OWN_TICKET = (L, A, N, A, A, A, A)  # the customer whose ticket it is, and agents
AGENTS = (L, F, F, A, A, A, A)
REVIEWERS = (L, F, F, F, F, A, A)  # agent3 reviews (and wrote the article); admins may all
NOT_AGENTS = (A, A, A, F, F, F, F)  # "this article solved my problem": what customers and visitors say
SIGNED_OUT = (L, L, L, L, L, L, L)  # logging out leads to the login page
API_PUBLIC = PUBLIC
API_SIGNED_IN = (F, A, A, A, A, A, A)
API_OWN_TICKET = (F, A, N, A, A, A, A)
API_AGENTS = (F, F, F, A, A, A, A)
API_REVIEWERS = (F, F, F, F, F, A, A)
API_NOT_AGENTS = NOT_AGENTS
API_ADMINS = (F, F, F, F, F, F, A)
WORKERS = (L, F, F, F, F, A, A)  # problems are worked by the 3rd level (its tier's permission) and admins
ADMINS = (L, F, F, F, F, F, A)
DECIDERS = (L, F, F, F, F, F, A)  # change proposals: tier leads (none here) and admins
API_WORKERS = (F, F, F, F, F, A, A)
API_DECIDERS = (F, F, F, F, F, F, A)

GET, POST, BOTH = ("get",), ("post",), ("get", "post")

# Every URL name: the methods it serves and who may use them. With a method it does not serve,
# nobody gets further than with the served one.
ACCESS = {
    "home": (GET, SIGNED_IN),
    "portal:tickets": (GET, SIGNED_IN),
    "portal:ticket_new": (BOTH, SIGNED_IN),
    "portal:ticket": (BOTH, OWN_TICKET),
    "portal:ticket_reply": (POST, OWN_TICKET),
    "portal:ticket_status": (POST, OWN_TICKET),
    "agent:queue": (GET, AGENTS),
    "agent:queue_bulk": (POST, AGENTS),
    "agent:customer_tickets": (GET, AGENTS),
    "agent:ticket_new": (BOTH, AGENTS),
    "agent:find": (GET, AGENTS),
    "agent:customer_search": (GET, AGENTS),
    "agent:customer": (BOTH, AGENTS),
    "agent:ticket": (GET, AGENTS),
    "agent:ticket_take": (POST, AGENTS),
    "agent:ticket_action": (POST, AGENTS),
    "attachment": (GET, OWN_TICKET),
    "kb:index": (GET, PUBLIC),
    "kb:suggest": (GET, PUBLIC),
    "kb:review": (GET, REVIEWERS),
    "kb:article_new": (BOTH, AGENTS),
    "kb:article": (GET, PUBLIC),
    "kb:article_edit": (BOTH, REVIEWERS),
    "kb:article_versions": (GET, AGENTS),
    "kb:article_feedback": (POST, PUBLIC),
    "kb:article_deflect": (POST, NOT_AGENTS),
    "kb:article_submit": (POST, REVIEWERS),
    "kb:article_publish": (POST, REVIEWERS),
    "kb:article_send_back": (POST, REVIEWERS),
    "kb:article_archive": (POST, REVIEWERS),
    "kb:link_article": (POST, AGENTS),
    "kb:use_in_reply": (POST, AGENTS),
    "kb:article_from_ticket": (POST, AGENTS),
    "kb:ticket_panel": (GET, AGENTS),
    "mailchannel:inbound_original": (GET, AGENTS),
    "mailchannel:inbound_raw": (GET, AGENTS),
    "register": (BOTH, PUBLIC),
    "api_token": (BOTH, SIGNED_IN),
    # Registration's answer and the link in its mail (a made-up link: 400 for everybody).
    "register_done": (GET, PUBLIC),
    "register_confirm": (BOTH, PUBLIC),
    # Two-factor pages: for signed-in people (a customer is sent home, a session that owes nothing onward).
    "two_factor": (BOTH, SIGNED_IN),
    "two_factor_verify": (BOTH, SIGNED_IN),
    "login": (BOTH, PUBLIC),
    "logout": (POST, SIGNED_OUT),
    "password_change": (BOTH, SIGNED_IN),
    "password_change_done": (GET, SIGNED_IN),
    "password_reset": (BOTH, PUBLIC),
    "password_reset_done": (GET, PUBLIC),
    "password_reset_confirm": (BOTH, PUBLIC),
    "password_reset_complete": (GET, PUBLIC),
    "set_language": (POST, PUBLIC),
    "notifications": (GET, AGENTS),
    "notifications_read": (POST, AGENTS),
    "reminder_set": (POST, AGENTS),
    "escalation-api:ticket-sla": (GET, API_AGENTS),
    "escalation-api:ticket-reminder": (POST, API_AGENTS),
    "escalation-api:notifications": (GET, API_SIGNED_IN),
    "escalation-api:notifications-read": (POST, API_SIGNED_IN),
    "kb-api:suggest": (GET, API_PUBLIC),
    "kb-api:search": (GET, API_AGENTS),
    "kb-api:ticket-link-article": (POST, API_AGENTS),
    "kb-api:ticket-article-from-ticket": (POST, API_AGENTS),
    "kb-api:article-list": (GET, API_PUBLIC),
    "kb-api:article-detail": (GET, API_PUBLIC),
    "kb-api:article-archive": (POST, API_REVIEWERS),
    "kb-api:article-deflect": (POST, API_NOT_AGENTS),
    "kb-api:article-feedback": (POST, API_PUBLIC),
    "kb-api:article-publish": (POST, API_REVIEWERS),
    "kb-api:article-send-back": (POST, API_REVIEWERS),
    "kb-api:article-submit": (POST, API_REVIEWERS),
    "kb-api:article-versions": (GET, API_AGENTS),
    "api-mail-inbound-list": (GET, API_ADMINS),
    "api-mail-inbound-detail": (GET, API_ADMINS),
    "api-mail-outbound-list": (GET, API_ADMINS),
    "api-mail-outbound-detail": (GET, API_ADMINS),
    "api:tier-list": (GET, API_SIGNED_IN),
    "api:category-list": (GET, API_SIGNED_IN),
    "api:attachment-download": (GET, API_OWN_TICKET),
    "api:ticket-list": (BOTH, API_SIGNED_IN),
    "api:ticket-detail": (GET, API_OWN_TICKET),
    "api:ticket-events": (GET, API_OWN_TICKET),
    "api:ticket-reply": (POST, API_OWN_TICKET),
    "api:ticket-change-status": (POST, API_OWN_TICKET),
    "api:ticket-assign": (POST, API_AGENTS),
    "api:ticket-call": (POST, API_AGENTS),
    "api:ticket-change-category": (POST, API_AGENTS),
    "api:ticket-change-priority": (POST, API_AGENTS),
    "api:ticket-escalate": (POST, API_AGENTS),
    "api:ticket-note": (POST, API_AGENTS),
    "api:ticket-send-back": (POST, API_AGENTS),
    "api:ticket-take": (POST, API_AGENTS),
    "api:ticket-bulk": (POST, API_AGENTS),
    "api:customer-list": (BOTH, API_AGENTS),
    "api:customer-detail": (GET, API_AGENTS),
    # Personal data: the notice for everybody; a customer's own data page (agents are sent to their
    # queue); export and erasure of anyone, and the records and requests, for admins.
    "privacy_notice": (GET, PUBLIC),
    "privacy_account": (GET, SIGNED_IN),
    "privacy_export": (GET, SIGNED_IN),
    "privacy_erasure_request": (POST, SIGNED_IN),
    "api-privacy-export": (GET, API_ADMINS),
    "api-privacy-erase": (POST, API_ADMINS),
    "api-privacy-erasures-list": (GET, API_ADMINS),
    "api-privacy-erasures-detail": (GET, API_ADMINS),
    "api-privacy-requests-list": (GET, API_ADMINS),
    "api-privacy-requests-detail": (GET, API_ADMINS),
    "problems:list": (GET, AGENTS),
    "problems:new": (BOTH, WORKERS),
    "problems:detail": (GET, AGENTS),
    "problems:edit": (BOTH, WORKERS),
    "problems:status": (POST, WORKERS),
    "problems:link": (POST, AGENTS),
    "problems:unlink": (POST, AGENTS),
    "problems:workaround": (POST, WORKERS),
    "problems:resolve": (POST, WORKERS),
    "problems:proposal_new": (POST, WORKERS),
    "problems:proposal_decide": (POST, DECIDERS),
    "problems:proposal_implemented": (POST, WORKERS),
    "problems:ticket_link": (POST, AGENTS),
    "problems:selection_link": (POST, AGENTS),
    "problems:selection_new": (POST, WORKERS),
    "problems:candidates": (GET, WORKERS),
    "problems:candidate_dismiss": (POST, WORKERS),
    "problems-api:problem-list": (BOTH, {"get": API_AGENTS, "post": API_WORKERS}),
    "problems-api:problem-detail": (GET, API_AGENTS),
    "problems-api:problem-status": (POST, API_WORKERS),
    "problems-api:problem-tickets": (GET, API_AGENTS),
    "problems-api:problem-link": (POST, API_AGENTS),
    "problems-api:problem-unlink": (POST, API_AGENTS),
    "problems-api:problem-workaround": (POST, API_WORKERS),
    "problems-api:problem-resolve": (POST, API_WORKERS),
    "problems-api:problem-broadcasts": (GET, API_AGENTS),
    "problems-api:problem-events": (GET, API_AGENTS),
    "problems-api:problem-proposals": (BOTH, {"get": API_AGENTS, "post": API_WORKERS}),
    "problems-api:problem-decide": (POST, API_DECIDERS),
    "problems-api:problem-implemented": (POST, API_WORKERS),
    # Text modules: agents use those for everyone; only admins change them (an agent's own: tests/macros).
    "macros:list": (GET, AGENTS),
    "macros:new": (BOTH, AGENTS),
    "macros:edit": (BOTH, ADMINS),
    "macros:delete": (POST, ADMINS),
    "macros:picker": (GET, AGENTS),
    "macros:selection_apply": (POST, AGENTS),
    "macros-api:macro-list": (BOTH, API_AGENTS),
    "macros-api:macro-detail": (GET, API_AGENTS),
    "macros-api:macro-text": (GET, API_AGENTS),
    "macros-api:macro-apply": (POST, API_AGENTS),
    "api-schema": (GET, API_PUBLIC),
    "api-docs": (GET, API_PUBLIC),
}
# The admin site: Django's, behind its staff check; nobody but the admin gets past its login.
ADMIN_OPEN = {"admin:login", "admin:logout"}
# The configuration pages a tier keeps (helpdesk.admin.ConfigurationSite): Django's admin again, for
# agents whose tier holds the model permissions (by default the 3rd level), nobody else.
CONFIGURATION_OPEN = {"configuration:login", "configuration:logout"}


def expected(name: str, method: str) -> tuple | None:
    """The outcomes each role may get for this URL and method; None where any answer but a 500 will do."""
    if name.startswith("configuration") and name not in CONFIGURATION_OPEN:
        return ({L},) * 5 + (None, None)  # the 3rd level's and the admin's, model by model (tests/tickets/test_powers.py)
    if name in CONFIGURATION_OPEN:
        return None
    if name.startswith("admin") and name not in ADMIN_OPEN:
        return ({L},) * 6 + (None,)  # the admin may still be refused the add page of a log
    if name in ADMIN_OPEN:
        return None
    methods, who = ACCESS[name]
    if isinstance(who, dict):  # the same URL, other rules per method (read a list, create in it)
        who = who.get(method, next(iter(who.values())))
    if method in methods:
        return tuple({outcome} for outcome in who)
    denied = {L, F, N, "method not allowed"}
    return tuple(None if outcome == A else denied for outcome in who)


def test_every_url_has_an_entry():
    names = {name for _route, name in url_patterns() if not name.startswith(("admin", "configuration"))}
    assert sorted(names - set(ACCESS)) == []
    assert sorted(set(ACCESS) - names) == []  # and no entry outlives its URL


def signed_in(world, role) -> Client:
    from django.conf import settings

    client = Client()
    if role != "anonymous":
        # The backend that remembers who is signed in (the login protection's comes first and does not).
        backend = next(path for path in settings.AUTHENTICATION_BACKENDS if "axes" not in path)
        client.force_login(world["people"][role], backend=backend)
    return client


def test_the_permission_matrix(world):
    clients = {role: signed_in(world, role) for role in ROLES}
    cells = mismatches = 0
    for route, name in url_patterns():
        path = concrete_path(route, name, world)
        if path is None:
            continue  # an admin page of a kind of object the world has none of
        for method in ("get", "post"):
            want = expected(name, method)
            for index, role in enumerate(ROLES):
                got = outcome(clients[role], method, path)
                cells += 1
                if want is not None and want[index] is not None and got not in want[index]:
                    mismatches += 1
                    print(f"{method.upper()} {path} as {role}: {got}, expected {want[index]}")
                if name.endswith("logout"):  # that session is over: the next request signs in again
                    clients[role] = signed_in(world, role)
    print(f"{cells} cells")
    assert mismatches == 0
    assert cells > 1500
