"""Reads of the knowledge base: who may see which article, and search.

Visibility in one place: customers and anonymous visitors see published public articles only;
agents also see articles for all agents and those restricted to their tier or a lower one; authors
see their own drafts; reviewers see what waits for review.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from helpdesk.caching import drop_now_and_after_commit
from helpdesk.sql import column_list

from tickets import roles
from tickets.models import SOLVED_STATUSES, Ticket
from tickets.selectors import attach_categories, attach_tiers_and_categories, reference_lists

from .models import SEARCH_CONFIGS, Article, ArticleLink, ArticleState, Audience, Feedback, LinkKind

MAX_QUERY_LENGTH = 200
# How many matches are ranked at most, per kind (title matches, any match). A common word matches
# thousands of articles; ranking costs per match (PostgreSQL reads each one's search vector), and
# the first page needs only the best few of a couple of hundred. A knowledge base of a few thousand
# articles rarely has more matches than this; at 20,000 articles it saves a third of the search.
RANK_CANDIDATES = 100
# Solved tickets: the newest that match are ranked. A recent solution is the likelier to apply today.
TICKET_CANDIDATES = 50
# How many of the newest solved tickets are walked through for them before the full-text index is
# asked (see SOLVED_TICKETS_SQL).
RECENT_TICKETS = 10000
# The highlighted passage of a hit's resolution (ts_headline options; <mark> is kept, the rest escaped).
SNIPPET_OPTIONS = "StartSel=<mark>, StopSel=</mark>, MaxWords=25, MinWords=10, MaxFragments=1"
# What a list of hits shows (search results, suggestions): every column but the long texts and the vectors.
ARTICLE_COLUMNS_NOT_LISTED = ("problem", "environment", "cause", "resolution", "search_vector", "title_vector")
LISTED_ARTICLE_COLUMNS = column_list(Article, alias="a", leave_out=ARTICLE_COLUMNS_NOT_LISTED)
# How alike a title word must be to a typed word for the typo-tolerant fallback (0..1).
TRIGRAM_SIMILARITY = 0.3


def can_review(user) -> bool:
    """Whether the user may review and publish articles: the permission, given directly, by a group
    or by their tier, the lead of a tier whose lead reviews, or an active superuser. Every search by
    an agent asks (reviewers also find unpublished articles): both sets come from the cache."""
    return user.is_authenticated and user.is_active and user.pk in reviewer_ids()


def reviewer_ids() -> frozenset[int]:
    return roles.permission_holders("knowledgebase.review_article") | reference_lists().reviewing_lead_ids


def agent_level(user) -> int:
    """The highest tier level the agent works at (admins without a tier count as the top)."""
    tier_ids = roles.agent_tier_ids(user)
    if not tier_ids:
        return 99 if roles.is_agent(user) else 0
    return max((t.level for t in reference_lists().tiers if t.pk in tier_ids), default=0)


def _readable(user, published_only: bool = False) -> Q:
    """Which articles `user` may read. `published_only`: the caller shows published articles only,
    so what a reviewer may see besides (and finding out whether the user is one) does not matter."""
    published_public = Q(state=ArticleState.PUBLISHED, audience=Audience.PUBLIC)
    if not roles.is_agent(user):
        return published_public
    level = agent_level(user)
    # Tiers by id, not by a join to the tier table: visibility is part of every knowledge-base query.
    tiers_up_to_level = [t.pk for t in reference_lists().tiers if t.level <= level]
    for_this_agent = Q(audience__in=[Audience.PUBLIC, Audience.AGENTS]) | Q(audience=Audience.TIER, min_tier__in=tiers_up_to_level)
    readable = (Q(state=ArticleState.PUBLISHED) & for_this_agent) | Q(author=user)
    if not published_only and can_review(user):
        # Reviewers also see what is not published yet (or no longer), within their own tier.
        readable |= Q(state__in=[ArticleState.REVIEW, ArticleState.DRAFT, ArticleState.ARCHIVED]) & for_this_agent
    return readable


def articles_visible_to(user, published_only: bool = False) -> QuerySet:
    return Article.objects.filter(_readable(user, published_only))


def article_get_for_user(*, user, pk: int) -> Article:
    article = articles_visible_to(user).select_related("category", "author", "min_tier").filter(pk=pk).first()
    if article is None:
        raise Http404
    return article


def article_versions(article: Article) -> QuerySet:
    return article.versions.select_related("editor").order_by("-number")


def article_linked_tickets(article: Article) -> QuerySet:
    return ArticleLink.objects.filter(article=article).select_related("ticket").order_by("-created_at")


def article_reuse_count(article: Article) -> int:
    return ArticleLink.objects.filter(article=article, kind=LinkKind.USED).count()


def review_queue() -> QuerySet:
    return Article.objects.filter(state=ArticleState.REVIEW).select_related("author", "category").order_by("updated_at")


# --- search ------------------------------------------------------------------------------------


def clean_query(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "")).strip()[:MAX_QUERY_LENGTH]


@dataclass
class ArticleHit:
    article: Article
    rank: float
    snippet: str
    fuzzy: bool


def search_articles(*, user, text: str, language: str | None = None, category=None, audience=None,
                    state=None, limit: int = 20, with_snippets: bool = True) -> list[ArticleHit]:
    """Articles the user may read that match `text`, best first: full-text search (stemmed,
    weighted title > problem > resolution > rest), and when that finds nothing a trigram search on
    the titles so that a typo still finds the article."""
    text = clean_query(text)
    if not text:
        return []
    languages = [language] if language in SEARCH_CONFIGS else list(SEARCH_CONFIGS)
    # The language is chosen by the match expressions below (one per language).
    readable = _narrowed(articles_visible_to(user, published_only=state == ArticleState.PUBLISHED), category, audience, state)
    try:
        readable_sql, readable_params = _where_sql(readable)
    except EmptyResultSet:
        return []
    # Each article is matched and ranked with the query stemmed in its own language; both languages
    # in one statement (a BitmapOr of the two languages' GIN indexes). The match expressions are the
    # indexes' expressions (models.in_language): PostgreSQL uses an expression index, and its
    # statistics per language, only where the query has the same expression. Language codes and
    # search configurations are the constants of SEARCH_CONFIGS; only the text is a parameter.
    def per_language(template):
        return [template.format(lang=lang, query=f"websearch_to_tsquery('{SEARCH_CONFIGS[lang]}', %s)",
                                config=SEARCH_CONFIGS[lang]) for lang in languages]

    in_title = " OR ".join(per_language("(CASE WHEN language = '{lang}' THEN title_vector END) @@ {query}"))
    matches = " OR ".join(per_language("(CASE WHEN language = '{lang}' THEN search_vector END) @@ {query}"))
    rank = " ".join(per_language("WHEN '{lang}' THEN ts_rank(search_vector, {query})"))
    snippet = " ".join(per_language(
        "WHEN '{lang}' THEN ts_headline('{config}', a.resolution, {query}, '" + SNIPPET_OPTIONS + "')"))
    texts = [text] * len(languages)
    # Ranking costs per match (PostgreSQL reads each one's search vector), and a common word matches
    # thousands of articles. So only a bounded set of candidates is ranked: those with the words in
    # the title first, then others. The candidate scans are unsorted on purpose: LIMIT then stops the
    # index scan early instead of sorting every match. The long texts are read, and ts_headline
    # run, for the shown hits only. Written in SQL because the ORM took longer to build this
    # statement (3 ms) than PostgreSQL takes to run it; who may read what stays in _readable().
    sql = f"""
        WITH best AS (
            SELECT id, max(rank) AS rank FROM (
                (SELECT id, CASE language {rank} END AS rank FROM knowledgebase_article
                 WHERE {readable_sql} AND ({in_title}) LIMIT %s)
                UNION ALL
                (SELECT id, CASE language {rank} END AS rank FROM knowledgebase_article
                 WHERE {readable_sql} AND ({matches}) LIMIT %s)
            ) candidates
            GROUP BY id ORDER BY rank DESC, id DESC LIMIT %s
        )
        SELECT {LISTED_ARTICLE_COLUMNS}, best.rank
               {f", CASE a.language {snippet} END AS snippet" if with_snippets else ""}
        FROM best JOIN knowledgebase_article a ON a.id = best.id
        ORDER BY best.rank DESC, a.id DESC"""
    params = [*texts, *readable_params, *texts, RANK_CANDIDATES, *texts, *readable_params, *texts, RANK_CANDIDATES,
              limit, *(texts if with_snippets else [])]
    articles = list(Article.objects.raw(sql, params))
    attach_categories(articles)
    hits = [ArticleHit(a, a.rank, getattr(a, "snippet", ""), False) for a in articles]
    if hits:
        return hits

    # A typo: correct each word to the closest word of a published title, then search again.
    corrected = _corrected(text)
    if corrected:
        hits = search_articles(user=user, text=corrected, language=language, category=category, audience=audience,
                               state=state, limit=limit, with_snippets=with_snippets)
        return [ArticleHit(h.article, h.rank, h.snippet, True) for h in hits]
    return []


def _where_sql(queryset) -> tuple[str, list]:
    """The WHERE clause of a filtered Article queryset as SQL and parameters, for the hand-written
    search statement (EmptyResultSet when nothing can match). It refers to the table by its name.

    Uses ORM internals, checked against Django 5.2: django/db/models/sql/query.py (`Query.where`,
    `alias_refcount`, `base_table`) and `SQLCompiler.compile`. It lets the one rule of who may read
    what (`_readable()`) serve the hand-written statement too, instead of a second copy of that rule
    in SQL; the statement exists because the ORM took 3 ms to build it, longer than PostgreSQL takes
    to run it. tests/knowledgebase cover every audience through the search, so an upgrade that
    changes these internals fails there, not quietly."""
    query = queryset.query
    if any(count for alias, count in query.alias_refcount.items() if alias != query.base_table):
        raise ValueError("a filter that needs a join cannot be used in the search statement")
    sql, params = query.get_compiler(using=queryset.db).compile(query.where)
    return sql or "TRUE", list(params)


def _corrected(text: str) -> str | None:
    """`text` with each word replaced by the closest title word (trigram similarity at least
    TRIGRAM_SIMILARITY), or None when nothing changes. One query, a KNN lookup per word."""
    words = re.findall(r"\w{3,}", text.lower())[:6]
    if not words:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT q.word, best.word, similarity(best.word, q.word)
            FROM unnest(%s::text[]) WITH ORDINALITY AS q(word, n)
            LEFT JOIN LATERAL (
                SELECT word FROM knowledgebase_titleword ORDER BY word <-> q.word LIMIT 1
            ) best ON true
            ORDER BY q.n
            """,
            [words],
        )
        rows = cursor.fetchall()
    corrected = [best if best and score >= TRIGRAM_SIMILARITY else word for word, best, score in rows]
    return " ".join(corrected) if corrected != words else None


@dataclass
class TicketHit:
    ticket: Ticket
    rank: float


def search_solved_tickets(*, user, text: str, limit: int = 10) -> list[TicketHit]:
    """Solved and closed tickets matching `text`, best first among the newest TICKET_CANDIDATES that
    match: a solved ticket is knowledge too, and a recent solution the likelier to apply today. Agents only."""
    text = clean_query(text)
    if not text or not roles.is_agent(user):
        return []
    params = {"text": text, "recent": RECENT_TICKETS, "candidates": TICKET_CANDIDATES, "limit": limit}
    tickets = list(Ticket.objects.raw(RECENT_SOLVED_TICKETS_SQL, params))
    if not tickets or tickets[0].candidates < TICKET_CANDIDATES:
        tickets = list(Ticket.objects.raw(SOLVED_TICKETS_SQL, params))
    attach_tiers_and_categories(tickets)  # no joins: see tickets.selectors
    return [TicketHit(t, t.rank) for t in tickets]


# The newest matches of a common word are found fastest by walking the newest solved tickets (the
# partial index ticket_solved_idx, backwards) and stopping at the TICKET_CANDIDATES-th match; a rare
# word would walk the whole table that way. So the walk is bounded to the RECENT_TICKETS newest solved
# tickets (by a LIMIT: an id range would come out empty where ids have gaps), and only when they hold
# too few matches are all matches looked up in the GIN index ("id + 0" keeps PostgreSQL from walking
# the table). A word rare in recent tickets is rarely common in older ones, so that is cheap.
_SOLVED = "(" + ", ".join(f"'{status}'" for status in SOLVED_STATUSES) + ")"  # as in the index ticket_solved_idx
_TICKET_QUERY = "(websearch_to_tsquery('german', %(text)s) || websearch_to_tsquery('english', %(text)s))"
# A ticket hit shows every column but the description and the search vector.
TICKET_COLUMNS_NOT_LISTED = ("description", "search_vector")
_RANKED_TICKETS_SQL = f"""
    SELECT {column_list(Ticket, alias="t", leave_out=TICKET_COLUMNS_NOT_LISTED)},
           best.rank, (SELECT count(*) FROM candidates) AS candidates
    FROM (SELECT id, rank FROM candidates ORDER BY rank DESC, id DESC LIMIT %(limit)s) best
    JOIN tickets_ticket t ON t.id = best.id
    ORDER BY best.rank DESC, t.id DESC
"""
RECENT_SOLVED_TICKETS_SQL = f"""
    WITH candidates AS MATERIALIZED (
        SELECT id, ts_rank(search_vector, {_TICKET_QUERY}) AS rank FROM (
            SELECT id, search_vector FROM tickets_ticket WHERE status IN {_SOLVED}
            ORDER BY id DESC LIMIT %(recent)s
        ) recent
        WHERE search_vector @@ {_TICKET_QUERY}
        ORDER BY id DESC LIMIT %(candidates)s
    )
    {_RANKED_TICKETS_SQL}"""
SOLVED_TICKETS_SQL = f"""
    WITH candidates AS MATERIALIZED (
        SELECT id, ts_rank(search_vector, {_TICKET_QUERY}) AS rank FROM tickets_ticket WHERE id IN (
            SELECT id FROM tickets_ticket
            WHERE status IN {_SOLVED} AND search_vector @@ {_TICKET_QUERY}
            ORDER BY id + 0 DESC LIMIT %(candidates)s
        )
    )
    {_RANKED_TICKETS_SQL}"""


def suggestions_for_text(*, user, text: str, language: str | None = None, limit: int = 5) -> list[ArticleHit]:
    """What to show beside the new-ticket form while the customer types: published public articles
    only (whoever asks), without snippets so it answers in milliseconds."""
    text = clean_query(text)
    if len(text) < 3:
        return []
    from django.contrib.auth.models import AnonymousUser

    return search_articles(user=AnonymousUser(), text=_keywords(text), language=language, limit=limit, with_snippets=False)


KB_VERSION_KEY = "knowledgebase:version"


def kb_version() -> str:
    """A token that changes whenever an article is saved or deleted (knowledgebase/apps.py)."""
    version = cache.get(KB_VERSION_KEY)
    if version is None:
        cache.add(KB_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(KB_VERSION_KEY)
    return version


def forget_kb_version(**_kwargs) -> None:
    drop_now_and_after_commit(key=KB_VERSION_KEY)


def suggestions_for_ticket(*, user, ticket: Ticket, limit: int = 5) -> list[ArticleHit]:
    """Articles for the ticket page: what the ticket's words find among the articles the agent may
    read. A ticket's words never change, so the hits are kept (as ids) until an article changes; what
    the agent may read is checked again each time."""
    key = f"kb:ticket-suggestions:{ticket.pk}:{user.pk}:{limit}:{kb_version()}"
    kept = cache.get(key)
    if kept is not None:
        articles = (articles_visible_to(user, published_only=True).filter(state=ArticleState.PUBLISHED)
                    .select_related("category").defer("search_vector", "title_vector").in_bulk([pk for pk, *_ in kept]))
        return [ArticleHit(articles[pk], rank, "", fuzzy) for pk, rank, fuzzy in kept if pk in articles]
    hits = search_articles(user=user, text=_keywords(f"{ticket.subject} {ticket.description}"), limit=limit,
                           with_snippets=False, state=ArticleState.PUBLISHED)
    cache.set(key, [(hit.article.pk, hit.rank, hit.fuzzy) for hit in hits], 3600)
    return hits


def _keywords(text: str, limit: int = 8) -> str:
    """Free text (a half-written ticket) as an OR of its longer words, so that one unknown word does
    not hide every article; ranking still puts the article matching most words first."""
    words = [w for w in re.findall(r"\w{3,}", text.lower())][:limit]
    return " or ".join(dict.fromkeys(words))


def article_stats(article: Article) -> dict:
    counts = dict(ArticleLink.objects.filter(article=article).values_list("kind").annotate(n=Count("id")))
    return {"suggested": counts.get(LinkKind.SUGGESTED, 0), "used": counts.get(LinkKind.USED, 0),
            "created": counts.get(LinkKind.CREATED, 0), "deflections": article.deflections.count()}


# --- pages -------------------------------------------------------------------------------------


def published_by_category(*, user, language: str | None = None) -> QuerySet:
    """The published articles the user may read, for browsing by category (for a customer or a
    visitor: the published public ones)."""
    queryset = articles_visible_to(user).filter(state=ArticleState.PUBLISHED).select_related("category")
    if language:
        queryset = queryset.filter(language=language)
    return queryset.order_by(F("category__name").asc(nulls_last=True), "title")


def articles_in_progress(*, user) -> QuerySet:
    """The author's own articles that are not published yet (drafts and those waiting for review)."""
    if not roles.is_agent(user):
        return Article.objects.none()
    return (Article.objects.filter(author=user, state__in=[ArticleState.DRAFT, ArticleState.REVIEW])
            .select_related("category").order_by("-updated_at", "-id"))


def ticket_article_links(*, ticket: Ticket, user) -> QuerySet:
    """The articles linked to a ticket (suggested while filing, solved with, created from) that the
    user may read, in one query."""
    return (ArticleLink.objects.filter(ticket=ticket, article__in=articles_visible_to(user))
            .select_related("article").order_by("created_at", "id"))


def article_reply_text(*, user, article_id) -> str:
    """The text an agent starts a public reply with when answering from an article: the explanation
    for customers, then the resolution. Empty when the id is bad or the article not readable."""
    try:
        pk = int(article_id)
    except (TypeError, ValueError):
        return ""
    article = articles_visible_to(user).filter(pk=pk).only("summary", "resolution").first()
    if article is None:
        return ""
    return "\n\n".join(part for part in (article.summary.strip(), article.resolution.strip()) if part)


def article_version_pair(*, article: Article, number) -> tuple:
    """A version of the article and the one before it (None for the first); Http404 for a bad number."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise Http404 from None
    versions = {v.number: v for v in article.versions.select_related("editor").filter(number__in=[number - 1, number])}
    if number not in versions:
        raise Http404
    return versions[number], versions.get(number - 1)


# --- lists for the API and the admin ------------------------------------------------------------


def article_list(*, user, language: str | None = None, category=None, audience: str | None = None,
                 state: str | None = None) -> QuerySet:
    """The articles the user may read, filtered, most recently changed first, with the category
    joined (a page of them costs one query)."""
    queryset = articles_visible_to(user).select_related("category")
    if language:
        queryset = queryset.filter(language=language)
    return _narrowed(queryset, category, audience, state).order_by("-updated_at", "-id")


def _narrowed(queryset, category, audience, state) -> QuerySet:
    """The filters that searching and listing articles share (None or "" leaves one out)."""
    if category is not None:
        queryset = queryset.filter(category=category)
    if audience:
        queryset = queryset.filter(audience=audience)
    if state:
        queryset = queryset.filter(state=state)
    return queryset


def article_reviews(article: Article) -> QuerySet:
    """The review decisions on an article, newest first (the author reads why it was sent back)."""
    return article.reviews.select_related("reviewer").order_by("-created_at", "-id")


def feedback_given(*, article: Article, voter: str | None) -> bool:
    """Whether this reader has already said whether the article helped (helpdesk.web.visitors)."""
    return voter is not None and Feedback.objects.filter(article=article, voter=voter).exists()


def ticket_panel(*, user, ticket) -> dict:
    """The knowledge-base card of the agent ticket page: suggested articles with their actions and
    the articles already linked."""
    return {
        "ticket": ticket,
        "suggestions": suggestions_for_ticket(user=user, ticket=ticket),
        "links": list(ticket_article_links(ticket=ticket, user=user)),
    }
