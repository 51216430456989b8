from django import template

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


@register.inclusion_tag("tickets/includes/status_badge.html")
def status_badge(status):
    return {"status": status, "label": Status(status).label}


@register.inclusion_tag("tickets/includes/priority_badge.html")
def priority_badge(priority):
    return {"priority": priority, "label": Priority(priority).label}
