"""Every non-trivial read about problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from helpdesk.caching import drop_now_and_after_commit
from knowledgebase.models import SEARCH_CONFIGS, Article, LinkKind
from tickets import roles
from tickets.models import Ticket

from .models import (
    ACTIVE_STATUSES, Broadcast, CandidateDismissal, ChangeProposal, Problem, ProblemEvent, ProblemStatus, ProblemTicket,
)

LINK_CHOICES_LIMIT = 200  # the ticket page offers the most recently worked active problems


def _require_agent(user) -> None:
    if not roles.is_agent(user):
        raise Http404


def problem_list(*, user, status: str = "", query: str = "") -> QuerySet:
    """Problems for the list: agents read them all; with the number of linked tickets."""
    _require_agent(user)
    problems = Problem.objects.select_related("owner").annotate(ticket_count=Count("links"))
    if status == "active":
        problems = problems.filter(status__in=ACTIVE_STATUSES)
    elif status in ProblemStatus.values:
        problems = problems.filter(status=status)
    query = (query or "").strip()
    if query:
        number = query.upper().removeprefix("PRB-").lstrip("0")
        match = Q(title__icontains=query) | Q(affected_systems__icontains=query)
        if number.isdigit():
            match |= Q(pk=int(number))
        problems = problems.filter(match)
    return problems.order_by("-updated_at", "-id")


def problem_get(*, user, pk: int) -> Problem:
    _require_agent(user)
    try:
        return Problem.objects.select_related("owner", "article", "resolved_by").get(pk=pk)
    except Problem.DoesNotExist:
        raise Http404 from None


def problem_owners() -> QuerySet:
    """Who may own a problem: active agents holding `problems.change_problem` themselves, through a
    group or through their tier (tickets.auth.TierPermissionBackend), and admins."""
    from django.contrib.auth import get_user_model

    perm = {"codename": "change_problem", "content_type__app_label": "problems"}
    holds = (Q(is_superuser=True)
             | Q(**{f"user_permissions__{k}": v for k, v in perm.items()})
             | Q(**{f"groups__permissions__{k}": v for k, v in perm.items()})
             | Q(**{f"tier_memberships__tier__permissions__{k}": v for k, v in perm.items()}))
    return (get_user_model().objects.filter(holds, is_active=True)
            .filter(Q(is_superuser=True) | Q(tier_memberships__isnull=False))
            .distinct().order_by("first_name", "last_name", "username"))


def problem_by_reference(reference: str) -> Problem | None:
    """`PRB-00012`, `12`, or `PRB-00012 Title …` as the ticket page's field sends it."""
    head = (reference or "").strip().split(" ", 1)[0].upper().removeprefix("PRB-").lstrip("0")
    if not head.isdigit():
        return None
    return Problem.objects.filter(pk=int(head)).first()


def problem_links(*, problem: Problem) -> QuerySet:
    return (ProblemTicket.objects.filter(problem=problem)
            .select_related("ticket__requester", "ticket__tier", "ticket__assignee").order_by("-linked_at", "-id"))


def problem_timeline(*, problem: Problem) -> list[ProblemEvent]:
    return list(problem.events.select_related("actor").order_by("created_at", "id"))


def problem_proposals(*, problem: Problem) -> list[ChangeProposal]:
    return list(problem.proposals.select_related("proposed_by", "decided_by").order_by("-proposed_at", "-id"))


def problem_broadcasts(*, problem: Problem) -> list[Broadcast]:
    return list(problem.broadcasts.select_related("started_by").order_by("-created_at", "-id")[:5])


def stale_broadcast_ids(*, silent_for: timedelta) -> list[int]:
    """Unfinished broadcasts that made no progress for `silent_for` (their task was lost or their
    workers killed); a running one reports after every batch."""
    stale = timezone.now() - silent_for
    return list(Broadcast.objects.filter(finished_at__isnull=True, created_at__lt=stale)
                .exclude(heartbeat_at__gte=stale).values_list("pk", flat=True))


def problem_for_ticket(ticket) -> ProblemTicket | None:
    return ProblemTicket.objects.filter(ticket=ticket).select_related("problem").first()


TO_LINK_KEY = "problems:to-link"
TO_LINK_SECONDS = 300


def problems_to_link() -> list[Problem]:
    """The problems an agent may link tickets to. The queue and every ticket page offer them, so the
    list stays in the cache until a problem changes (problems/apps.py drops it)."""
    return cache.get_or_set(TO_LINK_KEY, lambda: list(
        Problem.objects.filter(status__in=[*ACTIVE_STATUSES, ProblemStatus.RESOLVED])
        .only("pk", "title", "status").order_by("-updated_at", "-id")[:LINK_CHOICES_LIMIT]), TO_LINK_SECONDS)


def forget_problems_to_link(**kwargs) -> None:
    drop_now_and_after_commit(key=TO_LINK_KEY)


def proposals_for_ticket(ticket) -> list[ChangeProposal]:
    return list(ChangeProposal.objects.filter(problem__links__ticket=ticket).order_by("-proposed_at", "-id"))


# --- candidates ------------------------------------------------------------------------------------

# Two subjects resemble each other when their trigrams are this alike (pg_trgm, the knowledge base's
# typo-tolerant matching) or when they share at least SHARED_STEMS words after stemming in the
# customer's language (the knowledge base's text-search configurations): "VPN bricht ab" and
# "VPN-Verbindung bricht ständig ab" share "vpn" and "brich".
SUBJECT_SIMILARITY = 0.45
SHARED_STEMS = 2

_RECENT = f"""
    SELECT t.id, t.subject,
           to_tsvector(CASE p.language {" ".join(f"WHEN '{code}' THEN '{config}'" for code, config in SEARCH_CONFIGS.items())}
                       ELSE '{SEARCH_CONFIGS[settings.LANGUAGE_CODE]}' END::regconfig, t.subject) AS stems
    FROM tickets_ticket t
    LEFT JOIN tickets_profile p ON p.user_id = t.requester_id
    WHERE t.created_at >= %(since)s
      AND NOT EXISTS (SELECT 1 FROM {ProblemTicket._meta.db_table} l WHERE l.ticket_id = t.id)
      AND NOT EXISTS (SELECT 1 FROM {CandidateDismissal._meta.db_table} d WHERE d.ticket_id = t.id)
    ORDER BY t.created_at DESC, t.id DESC
    LIMIT %(limit)s
"""

_SAME_ARTICLE = f"""
    WITH recent AS ({_RECENT})
    SELECT l.article_id, array_agg(DISTINCT l.ticket_id ORDER BY l.ticket_id)
    FROM knowledgebase_articlelink l JOIN recent r ON r.id = l.ticket_id
    WHERE l.kind = %(used)s
    GROUP BY l.article_id
    HAVING count(DISTINCT l.ticket_id) >= %(min_tickets)s
"""

_RESEMBLING_PAIRS = f"""
    WITH recent AS MATERIALIZED ({_RECENT}),
         words AS MATERIALIZED (SELECT id, subject, tsvector_to_array(stems) AS stems FROM recent)
    SELECT a.id, b.id
    FROM words a JOIN words b ON a.id < b.id
    WHERE similarity(a.subject, b.subject) >= %(similarity)s
       OR cardinality(ARRAY(SELECT unnest(a.stems) INTERSECT SELECT unnest(b.stems))) >= %(shared)s
"""


@dataclass
class Candidate:
    """A group of tickets that may share one cause: `article` when they were solved with the same
    knowledge article, otherwise their subjects resemble each other."""

    tickets: list = field(default_factory=list)
    article: Article | None = None

    @property
    def title(self) -> str:
        return self.article.title if self.article else self.tickets[0].subject

    @property
    def references(self) -> list[str]:
        return [t.reference for t in self.tickets]


def _groups(pairs) -> list[set[int]]:
    """Connected tickets (a resembles b, b resembles c): union-find over the pairs."""
    parent: dict[int, int] = {}

    def root(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict[int, set[int]] = {}
    for x in list(parent):
        groups.setdefault(root(x), set()).add(x)
    return list(groups.values())


def problem_candidates(*, days: int | None = None, min_tickets: int | None = None) -> list[Candidate]:
    """Groups of the last days' tickets, not linked to a problem nor dismissed, that may share a
    cause: solved with the same article, or resembling each other. Largest first; a ticket is in one
    group at most (the article's, where it has one). Four queries, whatever the number of tickets."""
    params = {
        "since": timezone.now() - timedelta(days=days or settings.HELPDESK_PROBLEM_CANDIDATE_DAYS),
        "limit": settings.HELPDESK_PROBLEM_CANDIDATE_LIMIT, "used": LinkKind.USED,
        "min_tickets": min_tickets or settings.HELPDESK_PROBLEM_CANDIDATE_MIN_TICKETS,
        "similarity": SUBJECT_SIMILARITY, "shared": SHARED_STEMS,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SAME_ARTICLE, params)
        by_article = cursor.fetchall()
        cursor.execute(_RESEMBLING_PAIRS, params)
        pairs = cursor.fetchall()
    grouped: list[tuple[int | None, list[int]]] = []
    taken: set[int] = set()
    for article_id, ticket_ids in by_article:
        grouped.append((article_id, ticket_ids))
        taken.update(ticket_ids)
    for group in _groups(pairs):
        rest = sorted(group - taken)
        if len(rest) >= params["min_tickets"]:
            grouped.append((None, rest))
    wanted = {pk for _article, ids in grouped for pk in ids}
    tickets = {t.pk: t for t in Ticket.objects.filter(pk__in=wanted).select_related("requester", "tier")}
    articles = Article.objects.in_bulk({a for a, _ids in grouped if a})
    candidates = [Candidate(tickets=sorted((tickets[pk] for pk in ids if pk in tickets), key=lambda t: t.created_at),
                            article=articles.get(article_id)) for article_id, ids in grouped]
    return sorted((c for c in candidates if c.tickets), key=lambda c: (-len(c.tickets), c.tickets[0].created_at))
