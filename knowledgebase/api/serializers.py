"""Serializers of the knowledge-base API: what goes in (checked here for shape, by the services for
rules) and what comes out.

Agent-only fields of an article and the search fields of a list item are optional fields: the view
sets them on the article only for agents (or for a search) and they are left out otherwise, so the
schema says honestly that they may be absent.
"""

from django.utils.html import escape
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.api.serializers import CategorySerializer, PersonSerializer, TierSerializer
from tickets.models import Category, Status, Tier

from .. import selectors
from ..models import (
    Article, ArticleLink, ArticleState, ArticleVersion, Audience, Language, LinkKind, Review, ReviewDecision,
)
from ..services import REQUIRED, REVIEW_COMMENT_MAX_LENGTH

TEXT_MAX_LENGTH = 20000
QUERY_MAX_LENGTH = 1000  # longer queries are refused; the selectors use the first 200 characters
MAX_TAGS = 30


def snippet_html(snippet: str) -> str:
    """The highlighted snippet as safe HTML: the article's text escaped, only the <mark> tags kept."""
    return escape(snippet or "").replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>")


# --- choices ----------------------------------------------------------------------------------
# The article enums are named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] (ArticleStateEnum, ...).


def state_field(**kwargs):
    return serializers.ChoiceField(choices=ArticleState.choices, **kwargs)


def language_field(**kwargs):
    return serializers.ChoiceField(choices=Language.choices, **kwargs)


def audience_field(**kwargs):
    return serializers.ChoiceField(choices=Audience.choices, **kwargs)


def link_kind_field(**kwargs):
    return serializers.ChoiceField(choices=LinkKind.choices, **kwargs)


def decision_field(**kwargs):
    return serializers.ChoiceField(choices=ReviewDecision.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": [LinkKind.USED.value]}, component_name="ArticleLinkNewKindEnum")
class SolvedWithKindField(serializers.ChoiceField):
    """The kind of link an agent makes by hand: only “used” (solved with). Its own enum component,
    so that it is not confused with the full set of link kinds."""

    def __init__(self, **kwargs):
        super().__init__(choices=[(LinkKind.USED.value, LinkKind.USED.label)], **kwargs)


# --- output ------------------------------------------------------------------------------------


class ArticleListSerializer(serializers.ModelSerializer):
    """One article in a list or a search result."""

    category = CategorySerializer(read_only=True, allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    state = state_field(read_only=True)
    language = language_field(read_only=True)
    audience = audience_field(read_only=True)
    rank = serializers.FloatField(
        source="hit_rank", required=False,
        help_text="Searches only: relevance (full-text rank, or title similarity for a fuzzy hit).")
    snippet = serializers.CharField(
        source="hit_snippet", required=False,
        help_text="Searches only: the matching passage of the resolution as HTML, the text escaped and the "
                  "matching words in <mark> tags. Empty for fuzzy hits.")
    fuzzy = serializers.BooleanField(
        source="hit_fuzzy", required=False,
        help_text="Searches only: true when nothing matched exactly and this article's title is close to the "
                  "query (a typo).")

    class Meta:
        model = Article
        fields = ["id", "title", "summary", "category", "language", "audience", "state", "tags", "updated_at",
                  "rank", "snippet", "fuzzy"]
        read_only_fields = ["id", "title", "summary", "language", "audience", "updated_at"]


def hits_as_articles(hits) -> list[Article]:
    """Search hits as articles carrying their rank, snippet and fuzziness, for ArticleListSerializer."""
    articles = []
    for hit in hits:
        article = hit.article
        article.hit_rank = round(float(hit.rank), 6)
        article.hit_snippet = snippet_html(hit.snippet)
        article.hit_fuzzy = hit.fuzzy
        articles.append(article)
    return articles


class SuggestionSerializer(serializers.ModelSerializer):
    category = CategorySerializer(read_only=True, allow_null=True)
    language = language_field(read_only=True)

    class Meta:
        model = Article
        fields = ["id", "title", "summary", "category", "language"]
        read_only_fields = fields


class LinkedTicketSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="ticket.reference", read_only=True)
    subject = serializers.CharField(source="ticket.subject", read_only=True)
    kind = link_kind_field(read_only=True)

    class Meta:
        model = ArticleLink
        fields = ["reference", "subject", "kind", "created_at"]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    reviewer = PersonSerializer(read_only=True, allow_null=True)
    decision = decision_field(read_only=True)

    class Meta:
        model = Review
        fields = ["version", "reviewer", "decision", "comment", "created_at"]
        read_only_fields = fields


AGENT_FIELDS = ("author", "versions", "linked_tickets", "reuse_count", "reviews")


class ArticleSerializer(serializers.ModelSerializer):
    """The whole article. Agents also get who wrote it, its history and how it met tickets."""

    category = CategorySerializer(read_only=True, allow_null=True)
    min_tier = TierSerializer(read_only=True, allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    state = state_field(read_only=True)
    language = language_field(read_only=True)
    audience = audience_field(read_only=True)
    author = PersonSerializer(source="agent_author", required=False, allow_null=True,
                              help_text="Agents only.")
    versions = serializers.IntegerField(source="agent_versions", required=False,
                                        help_text="Agents only: how many versions were saved.")
    linked_tickets = LinkedTicketSerializer(source="agent_links", many=True, required=False,
                                            help_text="Agents only: the tickets the article met, newest first.")
    reuse_count = serializers.IntegerField(source="agent_reuse_count", required=False,
                                           help_text="Agents only: how many tickets were solved with it.")
    reviews = ReviewSerializer(source="agent_reviews", many=True, required=False,
                               help_text="Agents only: the review decisions, newest first.")

    class Meta:
        model = Article
        fields = [
            "id", "title", "problem", "environment", "cause", "resolution", "summary", "category", "tags",
            "language", "audience", "min_tier", "state", "created_at", "updated_at", "published_at",
            "helpful_count", "not_helpful_count", *AGENT_FIELDS,
        ]
        read_only_fields = [
            "id", "title", "problem", "environment", "cause", "resolution", "summary", "language", "audience",
            "created_at", "updated_at", "published_at", "helpful_count", "not_helpful_count",
        ]

    def to_representation(self, article):
        data = super().to_representation(article)
        if not hasattr(article, "agent_author"):
            for field in AGENT_FIELDS:
                data.pop(field, None)
        return data


def with_agent_details(article: Article) -> Article:
    """Attach the agent-only parts of ArticleSerializer (only call it for agents)."""
    article.agent_author = article.author
    article.agent_versions = selectors.article_versions(article).count()
    article.agent_links = list(selectors.article_linked_tickets(article)[:100])
    article.agent_reuse_count = selectors.article_reuse_count(article)
    article.agent_reviews = list(selectors.article_reviews(article)[:50])
    return article


class ArticleVersionSerializer(serializers.ModelSerializer):
    editor = PersonSerializer(read_only=True, allow_null=True)
    content = serializers.JSONField(read_only=True, help_text="The article's fields as saved in this version.")

    class Meta:
        model = ArticleVersion
        fields = ["number", "editor", "created_at", "note", "content"]
        read_only_fields = fields


class TicketHitSerializer(serializers.Serializer):
    reference = serializers.CharField(source="ticket.reference")
    subject = serializers.CharField(source="ticket.subject")
    status = serializers.ChoiceField(source="ticket.status", choices=Status.choices)
    rank = serializers.FloatField()


class CombinedSearchSerializer(serializers.Serializer):
    articles = ArticleListSerializer(many=True)
    tickets = TicketHitSerializer(many=True)


class ArticleLinkSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.reference", read_only=True)
    kind = link_kind_field(read_only=True)
    created_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ArticleLink
        fields = ["ticket", "article", "kind", "created_by", "created_at"]
        read_only_fields = fields


# --- input -------------------------------------------------------------------------------------


class ArticleQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=QUERY_MAX_LENGTH,
                              help_text="Search words. Results are then sorted by relevance and carry "
                                        "`rank`, `snippet` and `fuzzy`.")
    language = language_field(required=False)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), required=False,
                                                  help_text="A category id.")
    audience = audience_field(required=False)
    state = state_field(required=False,
                                    help_text="Customers and visitors only ever see published articles.")


class SuggestQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=QUERY_MAX_LENGTH, allow_blank=True,
                              help_text="What the customer has typed so far (at least 3 characters count).")
    language = language_field(required=False)


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=QUERY_MAX_LENGTH, help_text="Search words.")
    language = language_field(required=False,
                                       help_text="Only articles in this language (tickets are not filtered).")


def _text(max_length=TEXT_MAX_LENGTH, **kwargs):
    return serializers.CharField(max_length=max_length, **kwargs)


class ArticleWriteSerializer(serializers.Serializer):
    """A new draft, or (PATCH) the fields to change. The services check the rest: required texts,
    the tier for the audience “agents from a tier up”, who may edit in which state."""

    title = _text(REQUIRED["title"])
    problem = _text(REQUIRED["problem"])
    environment = _text(required=False, allow_blank=True)
    cause = _text(required=False, allow_blank=True)
    resolution = _text(REQUIRED["resolution"])
    summary = _text(required=False, allow_blank=True)
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all(), required=False, allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=MAX_TAGS)
    language = language_field(required=False)
    audience = audience_field(required=False)
    min_tier = serializers.PrimaryKeyRelatedField(
        queryset=Tier.objects.all(), required=False, allow_null=True,
        help_text="Required for the audience `tier`: agents from this tier up may read the article.")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                 help_text="What changed (kept with the version).")


class PublishSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=REVIEW_COMMENT_MAX_LENGTH, required=False, allow_blank=True)


class SendBackSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=REVIEW_COMMENT_MAX_LENGTH, allow_blank=True,
                                    help_text="Required: tell the author what to change.")


class FeedbackSerializer(serializers.Serializer):
    helpful = serializers.BooleanField(help_text="Did the article help?")


class DeflectSerializer(serializers.Serializer):
    query = serializers.CharField(max_length=QUERY_MAX_LENGTH, required=False, allow_blank=True,
                                  help_text="What the customer was about to ask.")


class ReadableArticleField(serializers.PrimaryKeyRelatedField):
    """An article the caller may read: any other id is answered like one that does not exist."""

    def get_queryset(self):
        return selectors.articles_visible_to(self.context["request"].user)


class TicketLinkSerializer(serializers.Serializer):
    article = ReadableArticleField(queryset=Article.objects.all(), help_text="The article's id.")
    kind = SolvedWithKindField(default=LinkKind.USED,
                                   help_text="`used`: the ticket was solved with the article.")
