from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from helpdesk.html import Countdowns, countdown, short_datetime

from ..forms import ReminderForm
from ..models import ClockState

register = template.Library()


@register.simple_tag
def sla_panel(clocks):
    """Every SLA target of a ticket (`clocks`: escalation.selectors.clocks_for_ticket, put on the
    ticket page by escalation.receivers): state, due moment, time left, and the rule that
    escalated it. Drawn in Python like the list rows (helpdesk/html.py): it sits on every ticket page."""
    title = escape(_("Service level"))
    if not clocks:
        none = escape(_("No SLA applies to this ticket."))
        body = f'<p class="small text-body-secondary mb-0">{none}</p>'
    else:
        countdowns = Countdowns()
        body = '<ul class="list-unstyled mb-0 small">' + "".join(_clock_item(clock, countdowns) for clock in clocks) + "</ul>"
    return mark_safe(f'<div class="card mb-3" data-testid="sla-panel"><div class="card-body">'
                     f'<h2 class="h6">{title}</h2>{body}</div></div>')


def _badge(css: str, text: str) -> str:
    # (The texts are translated outside f-strings: xgettext does not look inside them.)
    return f'<span class="badge {css}">{escape(text)}</span>'


def _clock_item(clock, countdowns) -> str:
    state = clock.state
    if state == ClockState.RUNNING:
        badge = countdowns.badge(clock.due_at)
    elif state == ClockState.BREACHED:
        badge = _badge("text-bg-danger", _("breached"))
    elif state == ClockState.PAUSED:
        badge = _badge("text-bg-warning", _("paused"))
    elif clock.breached_at:
        badge = _badge("text-bg-danger", _("met late"))
    else:
        badge = _badge("text-bg-success", _("met"))
    facts = []
    if state in (ClockState.RUNNING, ClockState.BREACHED) and clock.due_at:
        facts.append(escape("%s %s" % (_("due"), short_datetime(clock.due_at))))
    if state == ClockState.PAUSED:
        facts.append(escape(_("%(used)s of %(target)s used") % {
            "used": countdown(clock.consumed.total_seconds()), "target": countdown(clock.target.total_seconds())}))
    if state == ClockState.MET and clock.stopped_at:
        facts.append(escape("%s %s" % (_("met"), short_datetime(clock.stopped_at))))
    facts.append(escape(_("business hours") if clock.business_hours else _("calendar time")))
    escalation = ""
    if clock.last_escalation:
        fired = _("Rule “%(rule)s” fired") % {"rule": clock.last_escalation.data.get("rule_name") or "–"}
        escalation = (f'<div class="text-danger" data-testid="escalation-rule">{escape(fired)} '
                      f'({escape(short_datetime(clock.last_escalation.created_at))})</div>')
    return (f'<li class="mb-2" data-metric="{escape(clock.metric)}" data-state="{escape(state)}">'
            f'<div class="d-flex justify-content-between align-items-center gap-2">'
            f'<strong>{escape(clock.get_metric_display())}</strong>{badge}</div>'
            f'<div class="text-body-secondary">{" · ".join(facts)}</div>{escalation}</li>')


@register.inclusion_tag("escalation/reminder_form.html")
def reminder_form(ticket):
    """The Wiedervorlage form of the ticket page: what is set, and a blank form to set it."""
    now = timezone.now()
    return {"ticket": ticket, "form": ReminderForm(initial={"status": "waiting"}),
            "due": ticket.follow_up_at is not None and ticket.follow_up_at <= now,
            "pending": ticket.follow_up_at is not None and ticket.follow_up_at > now}
