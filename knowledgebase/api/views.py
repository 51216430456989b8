"""The knowledge-base API: the same reads (selectors) and writes (services) as the pages, the same rules.

Visitors without an account may use the suggestions, read published public articles and say
whether one helped; everything else needs an agent. An article the caller may not read is a 404.
"""

from functools import cached_property

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.api.pagination import PagePagination
from helpdesk.api.permissions import IsAgent
from helpdesk.web.pagination import CappedCountPaginator
from helpdesk.web.visitors import visitor_key
from tickets import roles
from tickets.selectors import ticket_get_for_user

from .. import selectors, services
from ..models import Article
from . import serializers as s

SEARCH_LIMIT = 100  # a search answers with the best 100 hits, paginated like any list


class SequencePaginator(CappedCountPaginator):
    """The project's capped-count paginator, also for a list (a page of search hits)."""

    @cached_property
    def _counted(self):
        if isinstance(self.object_list, (list, tuple)):
            return len(self.object_list)
        return super()._counted


class ArticlePagination(PagePagination):
    """The project's page-number pagination (`page`, `size`, capped `count`), for lists and search hits."""

    django_paginator_class = SequencePaginator


class IsReviewer(IsAgent):
    """Before the input is read, as the agents' check (helpdesk.api.permissions)."""

    message = _("Only reviewers can do this.")

    def has_permission(self, request, view):
        return super().has_permission(request, view) and selectors.can_review(request.user)


AGENTS_ONLY = [IsAgent]
REVIEWER_ACTIONS = {"publish", "send_back", "archive"}


def _input(serializer_class, data, request, **kwargs):
    serializer = serializer_class(data=data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _search_scope(user) -> str:
    return "agent" if roles.is_agent(user) else "public"


@extend_schema_view(
    list=extend_schema(
        summary="List or search the articles the caller may read",
        description=(
            "Without `q`: the readable articles, most recently changed first. With `q`: a full-text search "
            "(stemmed in German and English, title before problem before resolution), falling back to the "
            "titles' similarity when nothing matches exactly (typos); the best 100 hits, best first. "
            "Visitors and customers see published public articles only."),
        parameters=[s.ArticleQuerySerializer], responses=s.ArticleListSerializer(many=True)),
    retrieve=extend_schema(summary="One article", responses=s.ArticleSerializer),
)
class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ArticleSerializer
    lookup_value_regex = r"[0-9]+"
    pagination_class = ArticlePagination
    filter_backends = []
    parser_classes = [JSONParser]
    public_actions = {"list", "retrieve", "feedback", "deflect"}

    def get_permissions(self):
        if self.action in self.public_actions:
            return [AllowAny()]
        if self.action in REVIEWER_ACTIONS:
            return [IsReviewer()]
        return [permission() for permission in AGENTS_ONLY]

    def get_queryset(self):
        return selectors.articles_visible_to(self.request.user)

    def get_object(self) -> Article:
        return selectors.article_get_for_user(user=self.request.user, pk=int(self.kwargs["pk"]))

    def _input(self, serializer_class, **kwargs):
        return _input(serializer_class, self.request.data, self.request, **kwargs)

    def _article_response(self, article, code=status.HTTP_200_OK, *, reread=True):
        user = self.request.user
        if reread:  # after a write: the saved state, with the related rows joined
            article = selectors.article_get_for_user(user=user, pk=article.pk)
        if roles.is_agent(user):
            s.with_agent_details(article)
        return Response(s.ArticleSerializer(article).data, status=code)

    def list(self, request):
        params = _input(s.ArticleQuerySerializer, request.query_params, request)
        filters = {key: params.get(key) for key in ("language", "category", "audience", "state")}
        query = params.get("q", "")
        if query:
            hits = selectors.search_articles(user=request.user, text=query, limit=SEARCH_LIMIT, **filters)
            if request.query_params.get("page", "1") == "1":  # one search, however many pages are read
                services.log_search(query=query, scope=_search_scope(request.user), results=len(hits),
                                    user=request.user, language=filters["language"] or "")
            articles = s.hits_as_articles(hits)
        else:
            articles = selectors.article_list(user=request.user, **filters)
        page = self.paginate_queryset(articles)
        return self.get_paginated_response(s.ArticleListSerializer(page, many=True).data)

    def retrieve(self, request, pk):
        return self._article_response(self.get_object(), reread=False)

    @extend_schema(summary="Write a new draft (agents)", request=s.ArticleWriteSerializer,
                   responses={201: s.ArticleSerializer})
    def create(self, request):
        data = dict(self._input(s.ArticleWriteSerializer))
        note = data.pop("note", "")
        article = services.article_create(author=request.user, note=note, **data)
        return self._article_response(article, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an article (saves a new version)",
        description="Authors change their drafts; reviewers may also correct articles in review or published.",
        request=s.ArticleWriteSerializer, responses=s.ArticleSerializer)
    def partial_update(self, request, pk):
        article = self.get_object()
        data = dict(self._input(s.ArticleWriteSerializer, partial=True))
        note = data.pop("note", "")
        article = services.article_update(article=article, editor=request.user, note=note, **data)
        return self._article_response(article)

    @extend_schema(summary="Submit a draft for review (its author or a reviewer)", request=None,
                   responses=s.ArticleSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk):
        article = services.article_submit(article=self.get_object(), actor=request.user)
        return self._article_response(article)

    @extend_schema(summary="Publish an article in review (reviewers)", request=s.PublishSerializer,
                   responses=s.ArticleSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk):
        article = self.get_object()
        data = self._input(s.PublishSerializer)
        article = services.article_publish(article=article, reviewer=request.user, comment=data.get("comment", ""))
        return self._article_response(article)

    @extend_schema(summary="Send an article in review back to its author (reviewers)", request=s.SendBackSerializer,
                   responses=s.ArticleSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk):
        article = self.get_object()
        data = self._input(s.SendBackSerializer)
        article = services.article_send_back(article=article, reviewer=request.user, comment=data["comment"])
        return self._article_response(article)

    @extend_schema(summary="Archive an article (reviewers)", request=None, responses=s.ArticleSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk):
        article = services.article_archive(article=self.get_object(), reviewer=request.user)
        return self._article_response(article)

    @extend_schema(summary="The article's versions, newest first (agents)",
                   responses=s.ArticleVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk):
        versions = selectors.article_versions(self.get_object())
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(s.ArticleVersionSerializer(page, many=True).data)

    @extend_schema(summary="Say whether the article helped (anyone who may read it; one vote per reader)", request=s.FeedbackSerializer,
                   responses={204: OpenApiResponse(description="Thank you.")})
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk):
        article = self.get_object()
        data = self._input(s.FeedbackSerializer)
        services.record_feedback(article=article, helpful=data["helpful"], voter=visitor_key(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="“This solved my problem”: the article saved a ticket (customers and visitors)",
        request=s.DeflectSerializer, responses={204: OpenApiResponse(description="Recorded.")})
    @action(detail=True, methods=["post"])
    def deflect(self, request, pk):
        article = self.get_object()
        if roles.is_agent(request.user):
            raise PermissionDenied(_("Only customers and visitors can report that an article saved a ticket."))
        data = self._input(s.DeflectSerializer)
        services.record_deflection(article=article, user=request.user, query=data.get("query", ""))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SuggestView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Articles to suggest while a customer writes a ticket",
        description="Published public articles only, whoever asks; at most 5, best first, without snippets.",
        parameters=[s.SuggestQuerySerializer], responses=s.SuggestionSerializer(many=True))
    def get(self, request):
        params = _input(s.SuggestQuerySerializer, request.query_params, request)
        hits = selectors.suggestions_for_text(user=request.user, text=params["q"], language=params.get("language"),
                                              limit=5)
        return Response(s.SuggestionSerializer([hit.article for hit in hits], many=True).data)


class SearchView(APIView):
    permission_classes = AGENTS_ONLY

    @extend_schema(
        summary="Search articles and solved tickets together (agents)",
        description="The articles the agent may read (best 20) and solved or closed tickets (best 10).",
        parameters=[s.SearchQuerySerializer], responses=s.CombinedSearchSerializer)
    def get(self, request):
        params = _input(s.SearchQuerySerializer, request.query_params, request)
        hits = selectors.search_articles(user=request.user, text=params["q"], language=params.get("language"))
        tickets = selectors.search_solved_tickets(user=request.user, text=params["q"])
        services.log_search(query=params["q"], scope="agent", results=len(hits) + len(tickets), user=request.user,
                            language=params.get("language", ""))
        return Response(s.CombinedSearchSerializer({"articles": s.hits_as_articles(hits), "tickets": tickets}).data)


class TicketArticleLinkView(APIView):
    permission_classes = AGENTS_ONLY
    parser_classes = [JSONParser]

    @extend_schema(summary="Record that a ticket was solved with an article (agents)",
                   request=s.TicketLinkSerializer, responses={201: s.ArticleLinkSerializer})
    def post(self, request, reference):
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        data = _input(s.TicketLinkSerializer, request.data, request)
        link = services.link_article(ticket=ticket, article=data["article"], actor=request.user, kind=data["kind"])
        return Response(s.ArticleLinkSerializer(link).data, status=status.HTTP_201_CREATED)


class ArticleFromTicketView(APIView):
    permission_classes = AGENTS_ONLY

    @extend_schema(
        summary="Write a draft from a solved ticket (agents)",
        description="Subject, description and the solving reply pre-fill the draft, which is linked to the ticket.",
        request=None, responses={201: s.ArticleSerializer})
    def post(self, request, reference):
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        article = services.article_from_ticket(ticket=ticket, author=request.user)
        article = selectors.article_get_for_user(user=request.user, pk=article.pk)
        return Response(s.ArticleSerializer(s.with_agent_details(article)).data,
                        status=status.HTTP_201_CREATED)
