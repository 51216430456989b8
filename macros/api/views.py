"""The text modules API: the same reads (selectors) and writes (services) as the pages, the same rules."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from helpdesk.api.permissions import IsAgent
from tickets.api.serializers import TicketSerializer
from tickets.models import Channel
from tickets.selectors import ticket_get_for_user

from .. import selectors, services
from ..models import Macro
from . import serializers as s


@extend_schema_view(list=extend_schema(summary="The text modules you may use", parameters=[
    OpenApiParameter("q", str, description="Words of the title or text")]))
class MacroViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAgent]
    parser_classes = [JSONParser]
    serializer_class = s.MacroSerializer
    lookup_value_regex = r"[0-9]+"
    filter_backends = []

    def get_queryset(self):
        query = self.request.query_params.get("q", "")[:200] if self.action == "list" else ""
        return selectors.macros_matching(user=self.request.user, query=query).order_by("id")

    def get_object(self):
        try:
            return selectors.macro_get(user=self.request.user, pk=int(self.kwargs["pk"]))
        except Macro.DoesNotExist:
            raise Http404 from None

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context={"request": self.request})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _macro(self, macro, code=status.HTTP_200_OK):
        return Response(s.MacroSerializer(self.get_queryset().get(pk=macro.pk), context={"request": self.request}).data,
                        status=code)

    @extend_schema(summary="Write a text module", request=s.MacroWriteSerializer, responses={201: s.MacroSerializer})
    def create(self, request):
        return self._macro(services.macro_create(actor=request.user, **self._input(s.MacroWriteSerializer)),
                           status.HTTP_201_CREATED)

    @extend_schema(summary="Change a text module", request=s.MacroWriteSerializer, responses=s.MacroSerializer)
    def partial_update(self, request, pk):
        return self._macro(services.macro_update(macro=self.get_object(), actor=request.user,
                                                 **self._input(s.MacroWriteSerializer)))

    @extend_schema(summary="Delete a text module", responses={204: None})
    def destroy(self, request, pk):
        services.macro_delete(macro=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="The module's text for a ticket", responses=s.MacroTextSerializer, parameters=[
        OpenApiParameter("ticket", str, required=True, description="The ticket's reference")])
    @action(detail=True, methods=["get"])
    def text(self, request, pk):
        macro = self.get_object()
        reference = request.query_params.get("ticket", "")
        if not reference:
            raise ValidationError({"ticket": [_("Name the ticket: ?ticket=<reference>.")]})
        ticket = ticket_get_for_user(user=request.user, reference=reference, related=("requester__profile", "tier"))
        return Response(s.MacroTextSerializer({
            "id": macro.pk, "title": str(macro), "language": selectors.ticket_language(ticket),
            "text": selectors.macro_text_for_ticket(macro, ticket=ticket, agent=request.user),
            "changes": selectors.macro_changes(macro)}).data)

    @extend_schema(summary="Send the module on a ticket: its text as the reply and its changes, all or nothing",
                   request=s.MacroApplySerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def apply(self, request, pk):
        macro = self.get_object()
        data = self._input(s.MacroApplySerializer)
        ticket = ticket_get_for_user(user=request.user, reference=data["ticket"])
        ticket = services.macro_apply(macro=macro, ticket=ticket, agent=request.user, body=data.get("body"),
                                      status=data.get("status"), channel=Channel.API)
        ticket = ticket_get_for_user(user=request.user, reference=ticket.reference)
        return Response(TicketSerializer(ticket, context={"request": request}).data)
