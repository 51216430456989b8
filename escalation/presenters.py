"""SLA facts told in the reader's language: which target breached when, which rule fired, what it did."""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tickets.models import EventKind, Priority
from tickets.presenters import tier_name

from .models import Metric


def _metric(value) -> str:
    try:
        return str(Metric(value).label)
    except ValueError:
        return str(value)


def _moment(value) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return "?"
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def describe_breach(facts: dict) -> str:
    values = {
        "metric": _metric(facts.get("metric")),
        "due": _moment(facts.get("due_at")),
        "ran": _moment(facts.get("ran_at")),
        "rule": facts.get("rule_name") or "",
        "to": tier_name(facts.get("to_tier")) if facts.get("to_tier") else "",
    }
    action = facts.get("action")
    if action == "moved":
        text = _("The target “%(metric)s” was due at %(due)s and was breached; rule “%(rule)s” moved the ticket to %(to)s.") % values
    elif action == "top_tier":
        text = _("The target “%(metric)s” was due at %(due)s and was breached at the highest tier; rule “%(rule)s” notified the tier lead.") % values
    elif action == "notified":
        text = _("The target “%(metric)s” was due at %(due)s and was breached; rule “%(rule)s” sent notifications.") % values
    else:
        text = _("The target “%(metric)s” was due at %(due)s and was breached; no escalation rule matched, the tier lead was notified.") % values
    raised = facts.get("raised_priority")
    if raised:
        text += " " + _("Priority raised from “%(old)s” to “%(new)s”.") % {
            "old": Priority(raised[0]).label, "new": Priority(raised[1]).label,
        }
    return text


def describe_ticket_event(event) -> str | None:
    """Registered with tickets.presenters: the detail line of automatic tier moves and SLA actions."""
    if event.kind == EventKind.TIER and (event.data or {}).get("automatic"):
        return describe_breach(event.data["automatic"])
    if event.kind == EventKind.AUTOMATION and (event.data or {}).get("metric"):
        return describe_breach(event.data)
    if event.kind == EventKind.AUTOMATION and "reminder" in (event.data or {}):
        values = {"due": _moment(event.data["reminder"].get("due_at")), "by": event.data["reminder"].get("by", "")}
        note = event.data["reminder"].get("note")
        if note:
            return _("%(by)s set the ticket aside until %(due)s: %(note)s") % {**values, "note": note}
        return _("%(by)s set the ticket aside until %(due)s.") % values
    if event.kind == EventKind.AUTOMATION and "reminder_due" in (event.data or {}):
        data = event.data["reminder_due"]
        if data.get("note"):
            return _("Follow-up due (set by %(by)s): %(note)s") % {"by": data.get("by", ""), "note": data["note"]}
        return _("Follow-up due (set by %(by)s).") % {"by": data.get("by", "")}
    return None


def describe_notification(notification) -> str:
    data = notification.data or {}
    if notification.kind == "warned":
        return _("%(reference)s: the target “%(metric)s” will be breached at %(due)s.") % {
            "reference": notification.ticket.reference, "metric": _metric(data.get("metric")), "due": _moment(data.get("due_at")),
        }
    if notification.kind == "reminder":
        note = data.get("note")
        if note:
            return _("%(reference)s is due for follow-up: %(note)s") % {"reference": notification.ticket.reference, "note": note}
        return _("%(reference)s is due for follow-up.") % {"reference": notification.ticket.reference}
    return f"{notification.ticket.reference}: {describe_breach(data)}"
