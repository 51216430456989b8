"""SLA endpoints: a ticket's targets and clock history, and the agent's notifications."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.api.permissions import IsAgent
from tickets import roles
from tickets.selectors import ticket_get_for_user

from .. import reminders, selectors, services
from .serializers import (MarkedSerializer, MarkReadSerializer, NotificationSerializer, ReminderSerializer,
                          ReminderSetSerializer, TicketSlaSerializer)


class TicketSlaView(APIView):
    @extend_schema(summary="SLA targets and clock history of a ticket (agents)", responses=TicketSlaSerializer)
    def get(self, request, reference):
        if not roles.is_agent(request.user):
            raise PermissionDenied(_("Only agents can see SLA clocks."))
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        return Response(TicketSlaSerializer({
            "clocks": selectors.clocks_for_ticket(ticket),
            "events": selectors.clock_events_for_ticket(ticket),
        }).data)


class TicketReminderView(APIView):
    permission_classes = [IsAgent]  # before the input is read: a customer hears "only agents"

    @extend_schema(summary="Set a ticket aside until a moment to come back to it (agents)",
                   request=ReminderSetSerializer, responses={201: ReminderSerializer})
    def post(self, request, reference):
        ticket = ticket_get_for_user(user=request.user, reference=reference)
        serializer = ReminderSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reminder = reminders.reminder_set(ticket=ticket, actor=request.user, **serializer.validated_data)
        return Response(ReminderSerializer(reminder).data, status=201)


class NotificationList(ListAPIView):
    serializer_class = NotificationSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.notifications_for(self.request.user, unread_only=self.request.query_params.get("unread") == "true")


class NotificationsMarkRead(APIView):
    @extend_schema(summary="Mark notifications as read", request=MarkReadSerializer, responses=MarkedSerializer)
    def post(self, request):
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        count = services.notifications_mark_read(user=request.user, ids=serializer.validated_data.get("ids"))
        return Response({"marked": count})
