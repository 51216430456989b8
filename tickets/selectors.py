"""Every non-trivial read of tickets, with the visibility rules in one place.

Agents read every ticket, solved and closed ones included (a recurring case can be solved at a lower
tier). Customers read only the tickets they filed, and never an internal event.
"""

import re
import time
import uuid
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.paginator import Page
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Upper
from django.http import Http404
from django.utils.translation import get_language

from helpdesk.caching import drop_now_and_after_commit, saves_only_last_login
from helpdesk.web.pagination import CappedCountPaginator

from . import roles
from .filters import STATUS_OPEN, TIER_MINE, TicketFilter
from .models import Attachment, Category, CustomerSearchEntry, Ticket, TicketEvent, Tier, TierMembership, TierPower

LIST_RELATED = ("tier", "category", "assignee", "requester")


def tickets_visible_to(user) -> QuerySet:
    if roles.is_agent(user):
        return Ticket.objects.all()
    if user.is_authenticated and user.is_active:
        return Ticket.objects.filter(requester=user)
    return Ticket.objects.none()


# The agent's ticket page shows no category name (only the category form): one join less, which
# halves PostgreSQL's planning of the query.
AGENT_PAGE_RELATED = ("tier", "assignee", "requester", "organisation")


def tickets_by_reference(*, user, references, related=()) -> tuple[list[Ticket], list[str]]:
    """The tickets of these references the user may see, in the order given, and the references
    of none (unknown and hidden alike, as ticket_get_for_user answers 404 for both). One query."""
    found = {t.reference: t for t in tickets_visible_to(user).select_related(*related).filter(reference__in=references)}
    return [found[r] for r in references if r in found], [r for r in references if r not in found]


def ticket_get_for_user(*, user, reference: str, related=(*LIST_RELATED, "organisation")) -> Ticket:
    """The ticket, or Http404 when it does not exist or is not the user's to see (no difference shown)."""
    try:
        return tickets_visible_to(user).select_related(*related).get(reference=reference)
    except Ticket.DoesNotExist:
        raise Http404 from None


def ticket_list(*, user, params=None, defaults=None) -> TicketFilter:
    """A filtered, sorted list of the tickets the user may see. Returns the bound FilterSet: its `.qs`
    is the list (with related rows joined, so rendering a page costs no further queries) and its
    form shows the filters and their errors."""
    data = params.copy() if params is not None else {}
    for key, value in (defaults or {}).items():
        if not data.get(key):
            data[key] = value
    # No joins: the queue takes tier and category names from the reference lists and people's names
    # from people_names(). PostgreSQL plans a five-table join in 0.5 ms, longer than it runs it.
    queryset = tickets_visible_to(user).order_by("-updated_at", "-id")
    return TicketFilter(data, queryset=queryset, user=user)


def attach_tiers_and_categories(tickets) -> None:
    """Give each listed ticket its tier and category from the reference lists (one shared instance
    each), so that the list query needs no join for them. A ticket whose tier or category is newer
    than the lists reads it from the database when asked, as without this."""
    lists = reference_lists()
    tiers = {t.pk: Tier(pk=t.pk, name=t.name, level=t.level) for t in lists.tiers}
    for ticket in tickets:
        if ticket.tier_id in tiers:
            Ticket.tier.field.set_cached_value(ticket, tiers[ticket.tier_id])
    attach_categories(tickets)


def attach_categories(objects) -> None:
    """As attach_tiers_and_categories, for anything with a `category` (tickets, articles)."""
    categories = {pk: Category(pk=pk, name=name) for pk, name in reference_lists().categories}
    for obj in objects:
        if obj.category_id in categories:
            type(obj).category.field.set_cached_value(obj, categories[obj.category_id])


def people_names(user_ids) -> dict[int, str]:
    """Display names (full name, else user name) of these users, read in one query."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return {}
    rows = get_user_model().objects.filter(pk__in=ids).values_list("pk", "first_name", "last_name", "username")
    return {pk: f"{first} {last}".strip() or username for pk, first, last, username in rows}


def queue_rows(tickets) -> list[Ticket]:
    """The tickets of a queue page, ready to be drawn: tier and category from the reference lists,
    and the people's names (`assignee_name`, `requester_name`) from one query for the page."""
    tickets = list(tickets)
    attach_tiers_and_categories(tickets)
    names = people_names([t.assignee_id for t in tickets] + [t.requester_id for t in tickets])
    for ticket in tickets:
        ticket.assignee_name = names.get(ticket.assignee_id)
        ticket.requester_name = names.get(ticket.requester_id, "")
    return tickets


def agent_queue(*, user, params=None) -> TicketFilter:
    """The agent queue: by default the open tickets of the agent's own tiers."""
    return ticket_list(user=user, params=params, defaults={"status": STATUS_OPEN, "tier": TIER_MINE})


def customer_tickets(*, user) -> QuerySet:
    return Ticket.objects.filter(requester=user).select_related("category").order_by("-updated_at", "-id")


def ticket_timeline(*, ticket: Ticket, user) -> QuerySet:
    events = TicketEvent.objects.filter(ticket=ticket).select_related("actor")
    if not roles.is_agent(user):
        events = events.filter(is_public=True)
    return events.prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))


def attachment_get_for_user(*, user, pk: int) -> Attachment:
    attachment = Attachment.objects.select_related("event", "ticket").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    if not roles.is_agent(user) and (
        attachment.ticket.requester_id != user.pk or not attachment.event.is_public
    ):
        raise Http404
    return attachment


def tiers() -> QuerySet:
    return Tier.objects.order_by("level")


REFERENCE_LISTS_KEY = "tickets:reference-lists:v5"  # a new version whenever ReferenceLists changes shape


def _lists_key(language: str) -> str:
    # Tier and category names are read in the active language (tickets/translation.py): one entry each.
    return f"{REFERENCE_LISTS_KEY}:{language}"


class TierOption(NamedTuple):
    pk: int
    name: str
    level: int


@dataclass(frozen=True)
class ReferenceLists:
    """The short lists that agent pages offer as options, as (pk, label) pairs in display order."""

    tiers: list[TierOption]  # by level
    categories: list[tuple[int, str]]  # inactive ones included: a filter still finds their tickets
    active_categories: list[tuple[int, str]]
    agents: list[tuple[int, str]]  # active members of any tier, labelled by user name
    agents_by_tier: dict[int, list[tuple[int, str]]]  # labelled by full name
    powers: dict[int, dict[str, str]]  # tier id -> action -> reach, the rows admins set (tickets.powers)
    reviewing_lead_ids: frozenset[int]  # active leads of tiers whose lead reviews knowledge articles
    tier_permissions: dict[int, frozenset[str]]  # tier id -> "app.codename" its members hold (Tier.permissions)
    version: str  # new whenever the lists are read afresh: a key for what is drawn from them


# Each process keeps the lists it read for a few seconds more: a page asks for them several times,
# and another process's change reaches this one that much later at most.
LOCAL_SECONDS = 5.0
_local: dict[str, tuple[ReferenceLists, float]] = {}  # by language


def reference_lists() -> ReferenceLists:
    """From the cache until a tier, category, membership or user changes (tickets/apps.py drops
    it then): every queue and ticket page offers them, and they change a few times a year. Names
    are in the active language."""
    language = get_language() or settings.LANGUAGE_CODE
    lists, read_at = _local.get(language, (None, 0.0))
    now = time.monotonic()
    if lists is not None and now - read_at < LOCAL_SECONDS:
        return lists
    lists = cache.get(_lists_key(language))
    if lists is None:
        lists = _read_reference_lists()
        cache.set(_lists_key(language), lists, timeout=3600)
    _local[language] = (lists, now)
    return lists


def forget_reference_lists(update_fields=None, **_kwargs) -> None:
    if not saves_only_last_login(update_fields):
        drop_now_and_after_commit(drop_reference_lists)


def drop_reference_lists() -> None:
    _local.clear()
    cache.delete_many([_lists_key(language) for language, _name in settings.LANGUAGES])


def _tier_permissions() -> dict[int, frozenset[str]]:
    held: dict[int, set[str]] = {}
    rows = Tier.permissions.through.objects.values_list(
        "tier_id", "permission__content_type__app_label", "permission__codename")
    for tier_id, app_label, codename in rows:
        held.setdefault(tier_id, set()).add(f"{app_label}.{codename}")
    return {tier_id: frozenset(names) for tier_id, names in held.items()}


def _read_reference_lists() -> ReferenceLists:
    # By the name the reader sees (a translated name may sort elsewhere than the English one).
    categories = sorted(((c.pk, c.name, c.is_active) for c in Category.objects.all()), key=lambda c: c[1].casefold())
    agents: dict[int, str] = {}  # every active member of a tier, in the memberships' order
    by_tier: dict[int, list[tuple[int, str]]] = {}
    memberships = (TierMembership.objects.filter(agent__is_active=True).select_related("agent")
                   .order_by("agent__first_name", "agent__last_name", "agent__username"))
    for membership in memberships:
        agent = membership.agent
        agents[agent.pk] = str(agent)
        by_tier.setdefault(membership.tier_id, []).append((agent.pk, agent.get_full_name() or agent.get_username()))
    powers: dict[int, dict[str, str]] = {}
    for tier_id, action, reach in TierPower.objects.values_list("tier_id", "action", "reach"):
        powers.setdefault(tier_id, {})[action] = reach
    return ReferenceLists(
        tiers=[TierOption(t.pk, t.name, t.level) for t in tiers()],
        categories=[(pk, name) for pk, name, _active in categories],
        active_categories=[(pk, name) for pk, name, active in categories if active],
        agents=list(agents.items()),
        agents_by_tier=by_tier,
        powers=powers,
        reviewing_lead_ids=frozenset(Tier.objects.filter(lead_reviews_articles=True, lead__is_active=True)
                                     .values_list("lead_id", flat=True)),
        tier_permissions=_tier_permissions(),
        version=uuid.uuid4().hex,
    )


def active_categories() -> QuerySet:
    return Category.objects.filter(is_active=True).order_by("name")


def tier_agents(tier: Tier):
    return get_user_model().objects.filter(tier_memberships__tier=tier, is_active=True).order_by(
        "first_name", "last_name", "username"
    )


def password_reset_users(*, email: str):
    """Who gets a reset link for this address: every active account with it, also a customer who
    first wrote by mail and has no password yet (Django's own form skips those: "set one through
    the reset link" is how they get one)."""
    from django.contrib.auth import get_user_model

    return get_user_model()._default_manager.filter(email__iexact=email, is_active=True).iterator()


def ticket_collaborators(*, ticket: Ticket) -> list:
    """Who else follows the ticket's conversation (receives its public answers)."""
    return list(ticket.collaborators.only("email", "name").order_by("id"))


CUSTOMER_SEARCH_LIMIT = 10
# A query made of what phone numbers are written with ("+49 (0)171 234-56 78", "0171/2345678").
PHONE_QUERY_RE = re.compile(r"^\+?[0-9 ()/.\-]+$")


def customers() -> QuerySet:
    """People who are not agents (no tier, not an admin). The customer search keeps the same rule in
    its own table (CustomerSearchEntry.is_customer, tickets/migrations/0014); a test compares them."""
    # NOT EXISTS, not a LEFT JOIN ... IS NULL: PostgreSQL estimates the anti-join well.
    return get_user_model().objects.filter(is_active=True, is_superuser=False).exclude(
        Exists(TierMembership.objects.filter(agent=OuterRef("pk"))))


def phone_digits(text: str) -> str:
    """What a phone number is searched by: its digits without the country code +49/0049 or the
    trunk 0, so that "0171 2345678", "+49 171 2345678" and "01712345678" meet."""
    digits = re.sub(r"\D", "", text)
    if text.lstrip().startswith("+") or digits.startswith("00"):
        digits = digits.lstrip("0")
        return digits[2:] if digits.startswith("49") else digits
    return digits[1:] if digits.startswith("0") else digits


def _word_matches(word: str) -> Q:
    """Where one word of the search matches a CustomerSearchEntry: contained anywhere in its text;
    a word of one or two letters (too short for trigrams) where a word of it starts (after a space
    or a hyphen: its word_starts), so `Mü` finds Müller and Karl-Heinz Mühlberg but not every name
    with an ü in it. A word that is a phone number or part of one is also compared with the digits
    of the number. Upper case as PostgreSQL writes it (the entries' text), not as Python does ("ß")."""
    upper = Upper(Value(word))
    found = Q(text__contains=upper) if len(word) >= 3 else Q(word_starts__contains=[upper])
    digits = phone_digits(word) if PHONE_QUERY_RE.match(word) else ""
    if len(digits) >= 3:
        found |= Q(phone_digits__contains=digits)
    return found


def customer_search(*, user, query: str, limit: int = CUSTOMER_SEARCH_LIMIT) -> list:
    """Customers whose name, e-mail address, phone number or organisation contains the text, as an
    agent types it while a customer is on the phone: every word somewhere, a phone number however
    it is written; sorted by name. One query, whatever matches (bench/customer_search.py measures
    it at 100,000 customers).

    The words are looked up in the search's own table (CustomerSearchEntry, kept by PostgreSQL):
    all of them in one text with one trigram index, so PostgreSQL finds the rows with every word's
    trigrams at once, and sorts them by name in the same narrow table; only the page's rows are
    joined to person, profile and organisation."""
    if not roles.is_agent(user):
        return []
    query = " ".join((query or "").split())[:100]
    if len(query) < 2:
        return []
    # A number read out in groups is one number: "0171 234 56 78".
    words = [query] if PHONE_QUERY_RE.match(query) else query.split()[:4]
    matches = CustomerSearchEntry.objects.filter(is_customer=True)
    for word in words:
        matches = matches.filter(_word_matches(word))
    page = matches.order_by("last_name", "first_name", "user_id").values("user_id")[:limit]
    return list(get_user_model().objects.filter(pk__in=page).select_related("profile__organisation")
                .order_by("last_name", "first_name", "id"))


@dataclass
class QuickFind:
    ticket: Ticket | None
    tickets: list
    customers: list


def quick_find(*, user, query: str) -> QuickFind:
    """The navbar's search: a reference (also just its number, "1234", as a caller reads it out)
    finds its ticket; other text lists matching customers and tickets."""
    import re

    from django.conf import settings
    from django.contrib.postgres.search import SearchQuery
    from django.utils import timezone

    query = " ".join((query or "").split())[:200]
    empty = QuickFind(ticket=None, tickets=[], customers=[])
    if not roles.is_agent(user) or not query:
        return empty
    references = []
    if re.fullmatch(r"[A-Za-z]+-\d{4}-\d+", query):
        references = [query.upper()]
    elif re.fullmatch(r"\d{1,9}", query):
        # The number comes from one sequence across the years: try each year the helpdesk has run.
        prefix, number, this_year = settings.HELPDESK_REFERENCE_PREFIX, int(query), timezone.localdate().year
        references = [f"{prefix}-{year}-{number:06d}" for year in range(this_year - 15, this_year + 1)]
    if references:
        found = list(Ticket.objects.filter(reference__in=references).order_by("-created_at")[:2])
        if len(found) == 1:
            return QuickFind(ticket=found[0], tickets=found, customers=[])
    text = SearchQuery(query, config="german", search_type="websearch") | SearchQuery(
        query, config="english", search_type="websearch")
    tickets = list(Ticket.objects.filter(search_vector=text).select_related("requester")
                   .order_by("-updated_at", "-id")[:20])
    return QuickFind(ticket=None, tickets=tickets, customers=customer_search(user=user, query=query))


def customer_get_for_agent(*, user, pk: int):
    if not roles.is_agent(user):
        raise Http404
    customer = customers().select_related("profile__organisation").filter(pk=pk).first()
    if customer is None:
        raise Http404
    return customer


@dataclass
class CustomerTickets:
    """A page of a customer's open tickets and a page of their earlier ones (django Page objects)."""

    open_tickets: Page
    earlier: Page


def customer_ticket_overview(*, customer, page=1, open_page=1, size: int = 25) -> CustomerTickets:
    """A customer's open tickets and their earlier (solved, closed) ones, newest first, a page of
    each: a customer may have thousands (a switchboard, a monitoring system that files tickets).

    Each list costs two statements, whatever the page or its size: its count, capped as every
    list's (CappedCountPaginator), and its page, both read along ticket_requester_idx (requester,
    last activity). Page numbers out of range give the nearest page, as in the queue."""
    from .models import OPEN_STATUSES

    tickets = Ticket.objects.filter(requester=customer).select_related("tier").order_by("-updated_at", "-id")
    open_q = Q(status__in=OPEN_STATUSES)

    def page_of(queryset, number):
        found = CappedCountPaginator(queryset, size).get_page(number)
        found.object_list = list(found.object_list)
        return found

    return CustomerTickets(open_tickets=page_of(tickets.filter(open_q), open_page),
                           earlier=page_of(tickets.exclude(open_q), page))


OTHER_TICKETS_LIMIT = 5


@dataclass
class OtherTickets:
    """The requester's other open tickets and their latest earlier ones, beside the ticket page."""

    open_tickets: list
    earlier: list
    more_open: bool
    more_earlier: bool


def customer_other_tickets(*, ticket: Ticket, limit: int = OTHER_TICKETS_LIMIT) -> OtherTickets:
    """Two statements along ticket_requester_idx, whatever the customer's history: a page each,
    one row more than shown to know whether there are more."""
    from .models import OPEN_STATUSES

    others = (Ticket.objects.filter(requester_id=ticket.requester_id).exclude(pk=ticket.pk)
              .only("reference", "subject", "status", "updated_at").order_by("-updated_at", "-id"))
    open_tickets = list(others.filter(status__in=OPEN_STATUSES)[:limit + 1])
    earlier = list(others.exclude(status__in=OPEN_STATUSES)[:limit + 1])
    return OtherTickets(open_tickets[:limit], earlier[:limit], len(open_tickets) > limit, len(earlier) > limit)
