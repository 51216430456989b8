from django import template
from django.utils import timezone

from helpdesk.html import countdown_badge

from .. import selectors
from ..models import ClockState

register = template.Library()


@register.inclusion_tag("escalation/sla_panel.html")
def sla_panel(ticket):
    """Every SLA target of the ticket: state, due moment, time left, and the rule that escalated it."""
    return {"clocks": selectors.clocks_for_ticket(ticket), "now": timezone.now(), "states": ClockState}


@register.simple_tag
def sla_badge(due_at, label=""):
    """A countdown to `due_at` (red once it has passed; sla.js keeps it running); from the ticket
    row alone, no query."""
    return countdown_badge(due_at, label)


@register.simple_tag(takes_context=True)
def unread_notifications(context):
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    return selectors.unread_notification_count(request.user)


@register.filter
def duration_hm(value):
    """A duration as agents read it: "1 h 05 min" (seconds only under a minute)."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min"
    return f"{seconds} s"
