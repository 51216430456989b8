"""SLA endpoints: a ticket's targets and clock history, and the agent's notifications."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets import roles
from tickets.selectors import ticket_get_for_user

from . import selectors, services
from .models import ClockEvent, Notification, TicketClock
from .presenters import describe_notification


class ClockSerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketClock
        fields = ["metric", "state", "target", "business_hours", "started_at", "due_at", "warn_at",
                  "warned_at", "breached_at", "stopped_at", "consumed"]


class ClockEventSerializer(serializers.ModelSerializer):
    metric = serializers.CharField(source="clock.metric")
    latency_seconds = serializers.SerializerMethodField(help_text="For warnings and breaches: how long after the due moment the worker acted.")

    class Meta:
        model = ClockEvent
        fields = ["id", "metric", "kind", "due_at", "created_at", "latency_seconds", "data"]

    def get_latency_seconds(self, event) -> float | None:
        return event.latency.total_seconds() if event.latency is not None else None


class TicketSlaSerializer(serializers.Serializer):
    clocks = ClockSerializer(many=True)
    events = ClockEventSerializer(many=True)


class TicketSlaView(APIView):
    @extend_schema(summary="SLA targets and clock history of a ticket (agents)", responses=TicketSlaSerializer)
    def get(self, request, reference):
        if not roles.is_agent(request.user):
            raise PermissionDenied("Only agents can see SLA clocks.")
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        return Response(TicketSlaSerializer({
            "clocks": selectors.clocks_for_ticket(ticket),
            "events": selectors.clock_events_for_ticket(ticket),
        }).data)


class NotificationSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.reference")
    text = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "ticket", "kind", "text", "data", "created_at", "read_at"]

    def get_text(self, notification) -> str:
        return describe_notification(notification)


class NotificationList(ListAPIView):
    serializer_class = NotificationSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.notifications_for(self.request.user, unread_only=self.request.query_params.get("unread") == "true")


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False,
                                help_text="Notifications to mark as read; all unread ones when omitted.")


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were marked as read.")


class NotificationsMarkRead(APIView):
    @extend_schema(summary="Mark notifications as read", request=MarkReadSerializer, responses=MarkedSerializer)
    def post(self, request):
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        count = services.notifications_mark_read(user=request.user, ids=serializer.validated_data.get("ids"))
        return Response({"marked": count})
