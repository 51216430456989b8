"""The problems API: the same reads (selectors) and writes (services) as the pages, the same rules.
Agents read; engineers whose level works problems write; tier leads and admins decide proposals."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from helpdesk.api.permissions import IsAgent
from tickets.selectors import tickets_by_reference

from .. import selectors, services
from . import serializers as s


class IsProblemWorker(IsAgent):
    """Before the input is read: an agent whose level does not work problems hears that, not what
    the input lacked."""

    message = _lazy("Only engineers whose level works problems can do this.")

    def has_permission(self, request, view):
        return super().has_permission(request, view) and services.may_work_problems(request.user)


class IsDecider(IsAgent):
    message = _lazy("Only a tier lead or an admin decides change proposals.")

    def has_permission(self, request, view):
        return super().has_permission(request, view) and services.may_decide_proposals(request.user)


WORKER_ACTIONS = {"create", "partial_update", "status", "workaround", "resolve", "implemented"}


def _input(serializer_class, request):
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _tickets(request, references):
    found, unknown = tickets_by_reference(user=request.user, references=references)
    if unknown:
        raise ValidationError({"tickets": [_("No such ticket: %(tickets)s.") % {"tickets": ", ".join(sorted(unknown))}]})
    return found


def _owner(data):
    if "owner" in data:
        data["owner"] = get_user_model().objects.filter(pk=data["owner"]).first()
        if data["owner"] is None:
            raise ValidationError({"owner": [_("No such user.")]})
    return data


class ProblemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAgent]
    parser_classes = [JSONParser]
    serializer_class = s.ProblemSerializer
    lookup_value_regex = r"[0-9]+"
    filter_backends = []

    def get_permissions(self):
        if self.action in WORKER_ACTIONS or (self.action == "proposals" and self.request.method == "POST"):
            return [IsProblemWorker()]
        if self.action == "decide":
            return [IsDecider()]
        return [IsAgent()]

    def get_queryset(self):
        return selectors.problem_list(user=self.request.user, status=self.request.query_params.get("status", "all"),
                                      query=self.request.query_params.get("q", "")[:200])

    def get_serializer_class(self):
        return s.ProblemListSerializer if self.action == "list" else s.ProblemSerializer

    def get_object(self):
        return selectors.problem_get(user=self.request.user, pk=int(self.kwargs["pk"]))

    def _problem(self, problem, code=status.HTTP_200_OK):
        return Response(s.ProblemSerializer(selectors.problem_get(user=self.request.user, pk=problem.pk)).data, status=code)

    @extend_schema(summary="Record a problem", request=s.ProblemWriteSerializer, responses={201: s.ProblemSerializer})
    def create(self, request):
        data = _owner(_input(s.ProblemWriteSerializer, request))
        references = data.pop("tickets", [])
        tickets = _tickets(request, references) if references else ()
        return self._problem(services.problem_create(actor=request.user, tickets=tickets, **data), status.HTTP_201_CREATED)

    @extend_schema(summary="Change a problem's record", request=s.ProblemUpdateSerializer, responses=s.ProblemSerializer)
    def partial_update(self, request, pk):
        data = _owner(_input(s.ProblemUpdateSerializer, request))
        return self._problem(services.problem_update(problem=self.get_object(), actor=request.user, **data))

    @extend_schema(summary="Set the status", request=s.StatusSerializer, responses=s.ProblemSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, pk):
        data = _input(s.StatusSerializer, request)
        return self._problem(services.problem_change_status(problem=self.get_object(), actor=request.user, **data))

    @extend_schema(summary="The linked tickets", responses=s.LinkSerializer(many=True))
    @action(detail=True, methods=["get"])
    def tickets(self, request, pk):
        page = self.paginate_queryset(selectors.problem_links(problem=self.get_object()))
        return self.get_paginated_response(s.LinkSerializer(page, many=True).data)

    @extend_schema(summary="Link tickets", request=s.TicketsSerializer, responses=s.ProblemSerializer)
    @action(detail=True, methods=["post"])
    def link(self, request, pk):
        data = _input(s.TicketsSerializer, request)
        problem = self.get_object()
        services.problem_link_tickets(problem=problem, actor=request.user, tickets=_tickets(request, data["tickets"]))
        return self._problem(problem)

    @extend_schema(summary="Unlink tickets", request=s.TicketsSerializer, responses=s.ProblemSerializer)
    @action(detail=True, methods=["post"])
    def unlink(self, request, pk):
        data = _input(s.TicketsSerializer, request)
        problem = self.get_object()
        for ticket in _tickets(request, data["tickets"]):
            services.problem_unlink_ticket(problem=problem, actor=request.user, ticket=ticket)
        return self._problem(problem)

    @extend_schema(summary="Publish the workaround to every linked open ticket", request=s.WorkaroundSerializer,
                   responses={202: s.BroadcastSerializer})
    @action(detail=True, methods=["post"])
    def workaround(self, request, pk):
        data = _input(s.WorkaroundSerializer, request)
        broadcast = services.problem_publish_workaround(problem=self.get_object(), actor=request.user, **data)
        return Response(s.BroadcastSerializer(broadcast).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Resolve: answer every linked open ticket with the resolution", request=s.ResolveSerializer,
                   responses={202: s.BroadcastSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk):
        data = _input(s.ResolveSerializer, request)
        broadcast = services.problem_resolve(problem=self.get_object(), actor=request.user, **data)
        return Response(s.BroadcastSerializer(broadcast).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Broadcasts and their progress", responses=s.BroadcastSerializer(many=True))
    @action(detail=True, methods=["get"])
    def broadcasts(self, request, pk):
        return Response(s.BroadcastSerializer(selectors.problem_broadcasts(problem=self.get_object()), many=True).data)

    @extend_schema(summary="The problem's history", responses=s.EventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request, pk):
        return Response(s.EventSerializer(selectors.problem_timeline(problem=self.get_object()), many=True).data)

    @extend_schema(methods=["get"], summary="Change proposals", responses=s.ProposalSerializer(many=True))
    @extend_schema(methods=["post"], summary="Propose a change", request=s.ProposalWriteSerializer,
                   responses={201: s.ProposalSerializer})
    @action(detail=True, methods=["get", "post"])
    def proposals(self, request, pk):
        problem = self.get_object()
        if request.method == "GET":
            return Response(s.ProposalSerializer(selectors.problem_proposals(problem=problem), many=True).data)
        data = _input(s.ProposalWriteSerializer, request)
        proposal = services.proposal_create(problem=problem, actor=request.user, **data)
        return Response(s.ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)

    def _proposal(self, proposal_pk):
        from django.http import Http404

        proposal = self.get_object().proposals.filter(pk=proposal_pk).first()
        if proposal is None:
            raise Http404
        return proposal

    @extend_schema(summary="Approve or reject a proposal (tier leads, admins)", request=s.DecisionSerializer,
                   responses=s.ProposalSerializer)
    @action(detail=True, methods=["post"], url_path=r"proposals/(?P<proposal_pk>[0-9]+)/decide")
    def decide(self, request, pk, proposal_pk):
        data = _input(s.DecisionSerializer, request)
        proposal = services.proposal_decide(proposal=self._proposal(proposal_pk), actor=request.user, **data)
        return Response(s.ProposalSerializer(proposal).data)

    @extend_schema(summary="Mark an approved proposal as implemented", request=None, responses=s.ProposalSerializer)
    @action(detail=True, methods=["post"], url_path=r"proposals/(?P<proposal_pk>[0-9]+)/implemented")
    def implemented(self, request, pk, proposal_pk):
        proposal = services.proposal_mark_implemented(proposal=self._proposal(proposal_pk), actor=request.user)
        return Response(s.ProposalSerializer(proposal).data)
