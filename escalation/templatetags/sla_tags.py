from django import template
from django.utils import timezone

from helpdesk import markup

from ..forms import ReminderForm

register = template.Library()


@register.simple_tag
def sla_panel(clocks):
    """Every SLA target of a ticket (`clocks`: escalation.selectors.clocks_for_ticket, put on the
    ticket page by escalation.receivers); drawn by helpdesk.markup."""
    return markup.sla_panel(clocks)


@register.inclusion_tag("escalation/reminder_form.html")
def reminder_form(ticket):
    """The Wiedervorlage form of the ticket page: what is set, and a blank form to set it."""
    now = timezone.now()
    return {"ticket": ticket, "form": ReminderForm(initial={"status": "waiting"}),
            "due": ticket.follow_up_at is not None and ticket.follow_up_at <= now,
            "pending": ticket.follow_up_at is not None and ticket.follow_up_at > now}
