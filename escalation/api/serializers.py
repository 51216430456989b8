"""What the SLA endpoints read and write."""

from rest_framework import serializers

from tickets.models import Status

from ..models import ClockEvent, Notification, Reminder, TicketClock
from ..reminders import NOTE_MAX_LENGTH, SET_ASIDE_STATUSES
from ..presenters import describe_notification


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



class NotificationSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.reference")
    text = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "ticket", "kind", "text", "data", "created_at", "read_at"]

    def get_text(self, notification) -> str:
        return describe_notification(notification)



class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False,
                                help_text="Notifications to mark as read; all unread ones when omitted.")



class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were marked as read.")


class ReminderSetSerializer(serializers.Serializer):
    """A Wiedervorlage: the ticket is set aside until `due_at` (escalation.reminders.reminder_set checks it)."""

    due_at = serializers.DateTimeField()
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=[(s, Status(s).label) for s in SET_ASIDE_STATUSES], required=False,
                                     default=Status.WAITING)


class ReminderSerializer(serializers.ModelSerializer):
    set_by = serializers.StringRelatedField()

    class Meta:
        model = Reminder
        fields = ["due_at", "note", "set_by", "fired_at", "cancelled_at"]
