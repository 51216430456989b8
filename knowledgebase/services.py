"""Writes of the knowledge base: writing and reviewing articles, linking them to tickets, and what
customers tell us (did it help, did it save a ticket).

Workflow: draft -> (submit) -> in review -> (publish | send back with a comment) -> published ->
(archive). Every save is a new ArticleVersion; reviews are kept with the version they judged.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import roles
from tickets.models import SOLVED_STATUSES, EventKind, Ticket

from .models import (
    Article, ArticleLink, ArticleState, ArticleVersion, Audience, Deflection, Feedback, Language, LinkKind, Review, ReviewDecision,
    SearchLog,
)
from .selectors import can_review, clean_query

CONTENT_FIELDS = ("title", "problem", "environment", "cause", "resolution", "summary", "language", "audience",
                  "category_id", "min_tier_id", "tags")
REQUIRED = {"title": 200, "problem": 20000, "resolution": 20000}
# A reviewer's comment, from the review page and the API alike (forms and serializers use this too).
REVIEW_COMMENT_MAX_LENGTH = 5000


def _review_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > REVIEW_COMMENT_MAX_LENGTH:
        raise ValidationError({"comment": _("A comment may be at most %(max)d characters long.")
                               % {"max": REVIEW_COMMENT_MAX_LENGTH}})
    return comment


def _content(article: Article) -> dict:
    return {field: getattr(article, field) for field in CONTENT_FIELDS}


def _validate(article: Article) -> None:
    labels = {"title": _("Title"), "problem": _("Problem"), "resolution": _("Resolution")}
    errors = {}
    for field, max_length in REQUIRED.items():
        value = (getattr(article, field) or "").strip()
        setattr(article, field, value)
        if not value:
            errors[field] = _("%(field)s must not be empty.") % {"field": labels[field]}
        elif len(value) > max_length:
            errors[field] = _("%(field)s may be at most %(max)d characters long.") % {"field": labels[field], "max": max_length}
    if article.language not in Language.values:
        errors["language"] = _("Choose German or English.")
    if article.audience not in Audience.values:
        errors["audience"] = _("Choose who may read the article.")
    if article.audience == Audience.TIER and article.min_tier_id is None:
        errors["min_tier"] = _("Choose the tier from which agents may read this article.")
    if article.audience != Audience.TIER:
        article.min_tier = None
    article.tags = sorted({t.strip().lower()[:40] for t in article.tags or [] if t and t.strip()})
    if errors:
        raise ValidationError(errors)


def _snapshot(article: Article, editor, note: str) -> ArticleVersion:
    number = (article.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return ArticleVersion.objects.create(article=article, number=number, editor=editor, note=note[:300],
                                         content=_content(article))


def _require_agent(user) -> None:
    if not roles.is_agent(user):
        raise PermissionDenied(_("Only agents can write knowledge articles."))


def require_reviewer(user) -> None:
    """The reviewers' rule, for the services below and for pages that must refuse before reading a form."""
    if not can_review(user):
        raise PermissionDenied(_("Only reviewers can do this."))


def _lock(article: Article) -> Article:
    article.refresh_from_db(from_queryset=Article.objects.select_for_update())
    return article


@transaction.atomic
def article_create(*, author, note: str = "", **fields) -> Article:
    _require_agent(author)
    article = Article(author=author, state=ArticleState.DRAFT, **fields)
    _validate(article)
    article.save()
    _snapshot(article, author, note or _("Created"))
    return article


def can_edit(article: Article, user) -> bool:
    if can_review(user):
        return article.state != ArticleState.ARCHIVED
    return article.author_id == user.pk and article.state == ArticleState.DRAFT


@transaction.atomic
def article_update(*, article: Article, editor, note: str = "", **fields) -> Article:
    """Save a new version. Authors edit their drafts; reviewers may also correct articles in review
    or published (the article stays published, the version history shows the change)."""
    article = _lock(article)
    if not can_edit(article, editor):
        raise PermissionDenied(_("You cannot edit this article in its current state."))
    before = _content(article)
    for field, value in fields.items():
        setattr(article, field, value)
    _validate(article)
    if _content(article) == before:
        return article
    article.save()
    _snapshot(article, editor, note)
    return article


@transaction.atomic
def article_submit(*, article: Article, actor) -> Article:
    article = _lock(article)
    if article.author_id != actor.pk and not can_review(actor):
        raise PermissionDenied(_("Only the author can submit this draft."))
    if article.state != ArticleState.DRAFT:
        raise ValidationError(_("Only drafts can be submitted for review."))
    article.state = ArticleState.REVIEW
    article.save(update_fields=["state", "updated_at"])
    return article


def _current_version(article: Article) -> int:
    return article.versions.order_by("-number").values_list("number", flat=True).first() or 0


@transaction.atomic
def article_publish(*, article: Article, reviewer, comment: str = "") -> Article:
    require_reviewer(reviewer)
    comment = _review_comment(comment)
    article = _lock(article)
    if article.state != ArticleState.REVIEW:
        raise ValidationError(_("Only articles in review can be published."))
    article.state = ArticleState.PUBLISHED
    article.published_at = timezone.now()
    article.save(update_fields=["state", "published_at", "updated_at"])
    Review.objects.create(article=article, version=_current_version(article), reviewer=reviewer,
                          decision=ReviewDecision.PUBLISHED, comment=comment)
    _refresh_title_words_on_commit()
    return article


@transaction.atomic
def article_send_back(*, article: Article, reviewer, comment: str) -> Article:
    require_reviewer(reviewer)
    comment = _review_comment(comment)
    if not comment:
        raise ValidationError({"comment": _("Tell the author what to change.")})
    article = _lock(article)
    if article.state != ArticleState.REVIEW:
        raise ValidationError(_("Only articles in review can be sent back."))
    article.state = ArticleState.DRAFT
    article.save(update_fields=["state", "updated_at"])
    Review.objects.create(article=article, version=_current_version(article), reviewer=reviewer,
                          decision=ReviewDecision.CHANGES, comment=comment)
    return article


@transaction.atomic
def article_archive(*, article: Article, reviewer) -> Article:
    require_reviewer(reviewer)
    article = _lock(article)
    if article.state == ArticleState.ARCHIVED:
        raise ValidationError(_("The article is already archived."))
    article.state = ArticleState.ARCHIVED
    article.save(update_fields=["state", "updated_at"])
    _refresh_title_words_on_commit()
    return article


# --- tickets and articles ----------------------------------------------------------------------


def _solving_reply(ticket: Ticket) -> str:
    reply = (
        ticket.events.filter(kind=EventKind.REPLY, is_public=True, data__author_role="agent")
        .order_by("-created_at", "-id").values_list("body", flat=True).first()
    )
    return reply or ""


@transaction.atomic
def may_write_article_from(ticket: Ticket, user) -> bool:
    """Whether `user` may start an article from `ticket` now (the page offers it exactly then)."""
    return roles.is_agent(user) and ticket.status in SOLVED_STATUSES


def article_from_ticket(*, ticket: Ticket, author) -> Article:
    """A draft pre-filled from a solved ticket (subject -> title, description -> problem, the
    solving reply -> resolution), linked to the ticket. The author completes it and submits it."""
    _require_agent(author)
    if not may_write_article_from(ticket, author):
        raise ValidationError(_("Write an article from a ticket once it is solved."))
    language = getattr(getattr(ticket.requester, "profile", None), "language", "de") or "de"
    article = Article(
        author=author, state=ArticleState.DRAFT, title=ticket.subject[:200], problem=ticket.description,
        resolution=_solving_reply(ticket) or "-", category=ticket.category, language=language,
        audience=Audience.AGENTS,
    )
    _validate(article)
    article.save()
    _snapshot(article, author, _("Created from ticket %(reference)s") % {"reference": ticket.reference})
    link_article(ticket=ticket, article=article, actor=author, kind=LinkKind.CREATED)
    return article


def link_article(*, ticket: Ticket, article: Article, actor, kind: str = LinkKind.USED) -> ArticleLink:
    """Record that an article belongs to a ticket. Linking twice is harmless."""
    from .selectors import articles_visible_to

    if kind not in LinkKind.values:
        raise ValidationError(_("Unknown kind of link."))
    if kind != LinkKind.SUGGESTED:
        _require_agent(actor)
    if not articles_visible_to(actor).filter(pk=article.pk).exists():
        raise PermissionDenied(_("You cannot read this article."))
    try:
        with transaction.atomic():
            return ArticleLink.objects.create(ticket=ticket, article=article, kind=kind, created_by=actor)
    except IntegrityError:
        return ArticleLink.objects.get(ticket=ticket, article=article, kind=kind)


def record_suggestions(*, ticket: Ticket, article_ids, actor) -> int:
    """The articles a customer was shown while filing, kept on the ticket they filed anyway."""
    from .selectors import articles_visible_to

    articles = list(articles_visible_to(actor).filter(pk__in=list(article_ids)[:20]))
    ArticleLink.objects.bulk_create(
        [ArticleLink(ticket=ticket, article=a, kind=LinkKind.SUGGESTED, created_by=actor) for a in articles],
        ignore_conflicts=True,
    )
    return len(articles)


def record_feedback(*, article: Article, helpful: bool, voter: str) -> bool:
    """Count a reader's "did this help?" once per reader and article, from the page and the API alike
    (`voter`: helpdesk.web.visitors.visitor_key). A second vote of the same reader changes nothing.
    True when the vote was counted."""
    try:
        with transaction.atomic():
            Feedback.objects.create(article=article, voter=voter, helpful=helpful)
    except IntegrityError:
        return False
    field = "helpful_count" if helpful else "not_helpful_count"
    Article.objects.filter(pk=article.pk).update(**{field: F(field) + 1})
    return True


def record_deflection(*, article: Article, user=None, query: str = "") -> Deflection:
    """Count a ticket that was not filed. Only customers and visitors can save us a ticket."""
    if user is not None and roles.is_agent(user):
        raise PermissionDenied(_("Only customers and visitors can report that an article saved a ticket."))
    return Deflection.objects.create(article=article, user=user if user and user.is_authenticated else None,
                                     query=clean_query(query))


def log_search(*, query: str, scope: str, results: int, user=None, language: str = "") -> None:
    query = clean_query(query)
    if not query:
        return
    # Statistics: after a crash the last few searches may be missing, so the search does not wait for
    # the write-ahead log to reach the disk. set_config(..., true) holds until the end of this
    # statement's own transaction (or of the caller's, which only ever reads around a search): one
    # round trip instead of BEGIN, SET LOCAL, INSERT and COMMIT, for a line every search writes.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SearchLog._meta.db_table} (query, scope, language, results, user_id, created_at) "
            "SELECT %s, %s, %s, %s, %s, %s FROM set_config('synchronous_commit', 'off', true)",
            [query, scope, language or "", results, user.pk if user and user.is_authenticated else None,
             timezone.now()],
        )


def available_actions(article: Article, user) -> set[str]:
    """What `user` may do with the article now (the buttons a page shows): edit, submit, publish,
    send_back, archive. The services above check the same rules again when the action comes."""
    if not roles.is_agent(user):
        return set()
    actions = set()
    if can_edit(article, user):
        actions.add("edit")
    if article.state == ArticleState.DRAFT and (article.author_id == user.pk or can_review(user)):
        actions.add("submit")
    if can_review(user):
        if article.state == ArticleState.REVIEW:
            actions |= {"publish", "send_back"}
        if article.state != ArticleState.ARCHIVED:
            actions.add("archive")
    return actions


def refresh_title_words() -> None:
    """Rebuild the typo-correction word list from the published titles (CONCURRENTLY: searches go
    on meanwhile). Runs after publishing or archiving, in a task, and hourly from beat."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY knowledgebase_titleword")


def _refresh_title_words_on_commit() -> None:
    from .tasks import refresh_title_words as task

    transaction.on_commit(task.delay, robust=True)
