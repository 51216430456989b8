from django import template
from django.utils.html import format_html

from ..models import Priority, Status
from ..presenters import actor_name, describe_details, describe_event

register = template.Library()


@register.simple_tag
def event_summary(event):
    return describe_event(event)


@register.simple_tag
def event_details(event):
    return describe_details(event)


@register.simple_tag
def event_actor(event):
    return actor_name(event)


# Badges are drawn for every row of a list: plain format_html, no template rendering per row.
STATUS_CLASSES = {"new": "text-bg-info", "open": "text-bg-primary", "waiting": "text-bg-warning",
                  "on_hold": "text-bg-secondary", "solved": "text-bg-success", "closed": "text-bg-dark"}
PRIORITY_CLASSES = {4: "text-bg-danger", 3: "text-bg-warning", 2: "text-bg-secondary", 1: "text-bg-light border"}


@register.simple_tag
def status_badge(status):
    return format_html('<span class="badge rounded-pill {}" data-testid="status">{}</span>',
                       STATUS_CLASSES.get(status, "text-bg-dark"), Status(status).label)


@register.simple_tag
def priority_badge(priority):
    return format_html('<span class="badge {}">{}</span>', PRIORITY_CLASSES.get(priority, "text-bg-secondary"),
                       Priority(priority).label)
