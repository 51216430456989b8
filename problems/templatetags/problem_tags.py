"""Formatting for the problem pages and the ticket page's problem panel: they are handed what they
show (problems.receivers, problems.selectors) and query nothing."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..models import ProblemEventKind, ProblemStatus, ProposalStatus

register = template.Library()

STATUS_COLOURS = {
    ProblemStatus.NEW: "text-bg-secondary", ProblemStatus.INVESTIGATING: "text-bg-primary",
    ProblemStatus.KNOWN_ERROR: "text-bg-warning", ProblemStatus.CHANGE_PROPOSED: "text-bg-info",
    ProblemStatus.RESOLVED: "text-bg-success", ProblemStatus.CLOSED: "text-bg-light border",
}
PROPOSAL_COLOURS = {
    ProposalStatus.PROPOSED: "text-bg-info", ProposalStatus.APPROVED: "text-bg-primary",
    ProposalStatus.REJECTED: "text-bg-danger", ProposalStatus.IMPLEMENTED: "text-bg-success",
}


@register.simple_tag
def problem_status_badge(status):
    return format_html('<span class="badge {}">{}</span>', STATUS_COLOURS.get(status, "text-bg-secondary"),
                       ProblemStatus(status).label)


@register.simple_tag
def proposal_status_badge(status):
    return format_html('<span class="badge {}" data-testid="proposal-status">{}</span>',
                       PROPOSAL_COLOURS.get(status, "text-bg-secondary"), ProposalStatus(status).label)


@register.simple_tag
def progress_step(percent):
    """Bootstrap's width classes (no inline style under our CSP): 0, 25, 50, 75 or 100."""
    return str(min(100, max(0, int(percent) // 25 * 25)))


@register.filter
def problem_sections(problem):
    """The texts of the problem worth a heading, in the reader's language, the empty ones left out."""
    sections = [
        (_("Description"), problem.description), (_("Summary for customers"), problem.summary),
        (_("Root cause"), problem.cause), (_("Workaround"), problem.workaround), (_("Resolution"), problem.resolution),
    ]
    return [(label, text) for label, text in sections if (text or "").strip()]


@register.simple_tag
def problem_event_text(event):
    data = event.data or {}
    kind = event.kind
    if kind == ProblemEventKind.STATUS:
        return _("Status changed from “%(old)s” to “%(new)s”.") % {
            "old": ProblemStatus(data["from"]).label, "new": ProblemStatus(data["to"]).label}
    if kind in (ProblemEventKind.LINKED, ProblemEventKind.UNLINKED):
        tickets = ", ".join(data.get("tickets", []))
        if kind == ProblemEventKind.LINKED:
            return _("Tickets linked: %(tickets)s") % {"tickets": tickets}
        return _("Ticket unlinked: %(tickets)s") % {"tickets": tickets}
    if kind == ProblemEventKind.BROADCAST:
        what = _("Workaround") if data.get("kind") == "workaround" else _("Resolution")
        return _("%(what)s sent: %(done)d tickets answered, %(skipped)d skipped.") % {
            "what": what, "done": data.get("done", 0), "skipped": data.get("skipped", 0)}
    if kind in (ProblemEventKind.PROPOSAL, ProblemEventKind.DECISION) and data.get("title"):
        status = data.get("status")
        label = ProposalStatus(status).label if status else ProblemEventKind(kind).label
        return f"{label}: {data['title']}"
    return ProblemEventKind(kind).label


@register.inclusion_tag("problems/ticket_panel.html", takes_context=True)
def problem_panel(context, ticket):
    """The ticket page's problem panel (its data from problems.receivers.problem_panel_data)."""
    return {"ticket": ticket, "link": context.get("problem_link"), "proposals": context.get("problem_proposals", []),
            "choices": context.get("problems_to_link", []), "may_link": context.get("actions") and context["actions"].link_problem,
            "csrf_token": context.get("csrf_token")}
