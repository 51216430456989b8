"""The sentence a ticket's timeline shows for what the problems app recorded on it."""

from django.utils.translation import gettext as _

from tickets.models import EventKind


def describe_ticket_event(event) -> str | None:
    problem = (event.data or {}).get("problem")
    if not problem:
        return None
    names = {"reference": problem.get("reference", ""), "title": problem.get("title", "")}
    if event.kind == EventKind.PROBLEM:
        if problem.get("linked", event.data.get("linked")):
            return _("Linked to problem %(reference)s “%(title)s”.") % names
        return _("Unlinked from problem %(reference)s “%(title)s”.") % names
    if event.kind == EventKind.REPLY:
        if problem.get("step") == "resolution":
            return _("The resolution of problem %(reference)s “%(title)s”.") % names
        return _("The workaround of problem %(reference)s “%(title)s”.") % names
    return None
