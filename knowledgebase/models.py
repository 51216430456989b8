"""Knowledge articles in the structure support teams use (Knowledge-Centered Service), their versions,
reviews, and how they meet tickets (suggested, used to solve, created from).

The search vector is a generated column: PostgreSQL keeps it in step with the text, stemmed in the
article's own language and weighted title > problem > resolution > the rest.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Case, F, Q, When
from django.utils.translation import gettext_lazy as _

from tickets.models import Category, Ticket, Tier

SEARCH_CONFIGS = {"de": "german", "en": "english"}


def _weighted_vector(config):
    return (
        SearchVector("title", weight="A", config=config)
        + SearchVector("problem", weight="B", config=config)
        + SearchVector("resolution", weight="C", config=config)
        + SearchVector("summary", "environment", "cause", weight="D", config=config)
    )


# The full-text vectors, by the name their indexes carry (article_<name>_<language>_idx).
INDEXED_VECTORS = (("search", "search_vector"), ("title", "title_vector"))


def in_language(vector: str, language: str) -> Case:
    """The article's `vector` when it is written in `language`, else NULL: what the full-text indexes
    hold and what the search matches, `(CASE WHEN language = 'de' THEN search_vector END) @@ query`."""
    return Case(When(language=language, then=F(vector)))


class Language(models.TextChoices):
    GERMAN = "de", _("German")
    ENGLISH = "en", _("English")


class Audience(models.TextChoices):
    PUBLIC = "public", _("Public (customers and visitors)")
    AGENTS = "agents", _("All agents")
    TIER = "tier", _("Agents from a tier up")


class ArticleState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Article(models.Model):
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem"), help_text=_("In the customer's words: what do they see?"))
    environment = models.TextField(_("environment"), blank=True, help_text=_("Product, version, system."))
    cause = models.TextField(_("cause"), blank=True)
    resolution = models.TextField(_("resolution"))
    summary = models.TextField(
        _("explanation for customers"), blank=True,
        help_text=_("A short explanation in plain words, for customers and the 1st level."),
    )
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="articles")
    tags = ArrayField(models.CharField(max_length=40), verbose_name=_("tags"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.GERMAN)
    audience = models.CharField(_("audience"), max_length=8, choices=Audience.choices, default=Audience.AGENTS)
    min_tier = models.ForeignKey(Tier, verbose_name=_("from tier"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text=_("Only for the audience “Agents from a tier up”."))
    state = models.CharField(_("state"), max_length=10, choices=ArticleState.choices, default=ArticleState.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True,
                               on_delete=models.SET_NULL, related_name="articles")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("not helpful"), default=0)
    search_vector = models.GeneratedField(
        expression=Case(
            When(language="de", then=_weighted_vector("german")),
            default=_weighted_vector("english"),
            output_field=SearchVectorField(),
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    # The title alone: a broad word can match half the knowledge base, and the articles that carry
    # it in their title are the ones worth ranking first (see selectors.search_articles).
    title_vector = models.GeneratedField(
        expression=Case(
            When(language="de", then=SearchVector("title", config="german")),
            default=SearchVector("title", config="english"),
            output_field=SearchVectorField(),
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at", "-id"]
        permissions = [("review_article", _("Can review and publish knowledge articles"))]
        indexes = [
            # One full-text index per language, on the vector of that language's articles only: PostgreSQL
            # keeps statistics per index expression, so it knows that a German word is rare among English
            # articles. With one index over all languages it guessed the word as common there too, and a
            # search in one language read the whole table instead of the index (selectors.search_articles).
            *(GinIndex(in_language(vector, language), name=f"article_{kind}_{language}_idx")
              for kind, vector in INDEXED_VECTORS for language in SEARCH_CONFIGS),
            # What customers, visitors and the suggestions search: a third of the articles, a third of the index.
            *(GinIndex(in_language(vector, language), condition=Q(state="published", audience="public"),
                       name=f"article_public_{kind}_{language}_idx")
              for kind, vector in INDEXED_VECTORS for language in SEARCH_CONFIGS),
            # The typo-tolerant fallback: nearest titles by trigram distance (GiST answers ORDER BY ... LIMIT).
            GistIndex(fields=["title"], opclasses=["gist_trgm_ops"], name="article_title_trgm_idx"),
            models.Index(fields=["state", "audience", "language"], name="article_visibility_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(audience="tier") | Q(min_tier__isnull=False), name="article_tier_audience_has_tier"),
        ]

    def __str__(self):
        return self.title


class ArticleVersion(models.Model):
    """Every saved state of an article: who changed what, when. Append-only."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("editor"), null=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    note = models.CharField(_("change note"), max_length=300, blank=True)
    content = models.JSONField(_("content"))

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="unique_article_version")]


class ReviewDecision(models.TextChoices):
    PUBLISHED = "published", _("Published")
    CHANGES = "changes", _("Sent back for changes")


class Review(models.Model):
    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="reviews")
    version = models.PositiveIntegerField(_("version"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), null=True,
                                 on_delete=models.SET_NULL, related_name="+")
    decision = models.CharField(_("decision"), max_length=10, choices=ReviewDecision.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-id"]


class LinkKind(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested while filing")
    USED = "used", _("Solved with")
    CREATED = "created", _("Created from")


class ArticleLink(models.Model):
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="article_links")
    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="ticket_links")
    kind = models.CharField(_("kind"), max_length=10, choices=LinkKind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("article link")
        verbose_name_plural = _("article links")
        constraints = [models.UniqueConstraint(fields=["ticket", "article", "kind"], name="unique_article_link")]
        indexes = [models.Index(fields=["article", "kind"], name="articlelink_reuse_idx")]


class SearchLog(models.Model):
    """What people looked for and how many answers they got: finds the gaps in the knowledge base."""

    query = models.CharField(_("query"), max_length=200)
    scope = models.CharField(_("scope"), max_length=10)  # public, agent, suggest
    language = models.CharField(_("language"), max_length=2, blank=True)
    results = models.PositiveIntegerField(_("results"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("search")
        verbose_name_plural = _("searches")
        ordering = ["-created_at"]


class Deflection(models.Model):
    """A customer who found the answer in an article and filed no ticket."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="deflections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    query = models.CharField(_("what they were about to ask"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("deflection")
        verbose_name_plural = _("deflections")
        ordering = ["-created_at"]


class Feedback(models.Model):
    """One reader's "did this help?" on an article: one vote per reader, however it reaches us
    (page or API). `voter` names the reader without personal data: an account, or a salted hash of
    the visitor's session or address (helpdesk.web.visitors.visitor_key)."""

    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="feedback")
    voter = models.CharField(_("reader"), max_length=80)
    helpful = models.BooleanField(_("helpful"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [models.UniqueConstraint(fields=["article", "voter"], name="kb_one_vote_per_reader")]
