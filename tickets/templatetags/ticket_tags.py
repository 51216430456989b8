from django import template

from helpdesk import markup

from ..models import Channel, Priority, Status
from ..presenters import draw_timeline

register = template.Library()


# The markup is helpdesk/markup.py's (one module for all of it); the tags hand it the reader's words.


def _status_label(status):
    return Status(status).label


def _priority_label(priority):
    return Priority(priority).label


@register.simple_tag
def status_badge(status):
    return markup.status_badge(status, _status_label(status))


@register.simple_tag
def priority_badge(priority):
    return markup.priority_badge(priority, _priority_label(priority))


@register.simple_tag
def queue_rows(tickets, selectable=False):
    """The rows of the agent queue (`tickets`: tickets.selectors.queue_rows), with a checkbox each
    when `selectable`."""
    return markup.queue_rows(tickets, status_label=_status_label, priority_label=_priority_label,
                             channel_labels=dict(Channel.choices), selectable=selectable)


@register.simple_tag
def portal_rows(tickets):
    """The rows of a customer's own ticket list (category joined by the selector)."""
    return markup.portal_rows(tickets, status_label=_status_label)


@register.simple_tag
def timeline(events, for_agents=False, reader=None):
    """A ticket's history, oldest first (tickets.presenters.draw_timeline)."""
    return draw_timeline(events, for_agents=for_agents, reader=reader)
