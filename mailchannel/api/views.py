"""The mail logs for admins: what came in and what became of it, what went out and whether it arrived."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.permissions import BasePermission

from tickets import roles

from .. import selectors
from ..models import InboundMessage, InboundReason, InboundStatus, OutboundMessage, OutboundStatus
from . import serializers as s


class IsHelpdeskAdmin(BasePermission):
    message = "Only admins can read the mail logs."

    def has_permission(self, request, view):
        return roles.is_admin(request.user)


class InboundFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=InboundStatus.choices)
    reason = filters.ChoiceFilter(choices=InboundReason.choices)
    mailbox = filters.CharFilter(field_name="mailbox__name")
    ticket = filters.CharFilter(field_name="ticket__reference")

    class Meta:
        model = InboundMessage
        fields = ["status", "reason", "mailbox", "ticket"]


class OutboundFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=OutboundStatus.choices)
    ticket = filters.CharFilter(field_name="ticket__reference")

    class Meta:
        model = OutboundMessage
        fields = ["status", "ticket"]


@extend_schema_view(list=extend_schema(summary="Inbound mail log (admins)"),
                    retrieve=extend_schema(summary="One inbound mail (admins)"))
class InboundMessageViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = InboundMessage.objects.none()  # for the schema; the rows come from the selector
    serializer_class = s.InboundMessageSerializer
    permission_classes = [IsHelpdeskAdmin]
    filterset_class = InboundFilter

    def get_queryset(self):
        return selectors.inbound_log(user=self.request.user)


@extend_schema_view(list=extend_schema(summary="Outbound mail log (admins)"),
                    retrieve=extend_schema(summary="One outbound mail (admins)"))
class OutboundMessageViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = OutboundMessage.objects.none()  # for the schema; the rows come from the selector
    serializer_class = s.OutboundMessageSerializer
    permission_classes = [IsHelpdeskAdmin]
    filterset_class = OutboundFilter

    def get_queryset(self):
        return selectors.outbound_log(user=self.request.user)
