"""Reads of the escalation app: a ticket's clocks and their history, an agent's notifications."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet

from .models import ClockEvent, ClockEventKind, Notification, TicketClock

METRIC_ORDER = {"first_response": 0, "next_response": 1, "resolution": 2, "tier_time": 3}


def clocks_for_ticket(ticket) -> list[TicketClock]:
    clocks = list(TicketClock.objects.filter(ticket=ticket))
    escalations = {}
    for event in ClockEvent.objects.filter(ticket=ticket, kind=ClockEventKind.ESCALATED).order_by("id"):
        escalations[event.clock_id] = event
    for clock in clocks:
        clock.last_escalation = escalations.get(clock.pk)
    return sorted(clocks, key=lambda c: METRIC_ORDER.get(c.metric, 9))


def clock_events_for_ticket(ticket) -> QuerySet:
    return ClockEvent.objects.filter(ticket=ticket).select_related("clock").order_by("created_at", "id")


def notifications_for(user, *, unread_only: bool = False) -> QuerySet:
    queryset = Notification.objects.filter(recipient=user).select_related("ticket")
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-created_at", "-id")


def unread_key(user_id: int) -> str:
    return f"escalation:unread:{user_id}"


UNREAD_SECONDS = 300


def unread_notification_count(user) -> int:
    """The navbar's number on every agent page: kept in the cache until the services give the user
    a notification or mark some read (escalation.services drops it)."""
    return cache.get_or_set(
        unread_key(user.pk), lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
        UNREAD_SECONDS)
