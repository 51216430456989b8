"""SLA endpoints: a ticket's targets and clock history, and the agent's notifications."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets import roles
from tickets.selectors import ticket_get_for_user

from .. import selectors, services
from .serializers import MarkedSerializer, MarkReadSerializer, NotificationSerializer, TicketSlaSerializer


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
