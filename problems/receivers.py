"""The problems app's part in the agent pages, through `tickets.signals`: the ticket page's problem
panel and the queue's "link the selection to a problem"."""

from tickets import powers
from tickets.models import TicketAction

from . import selectors, services


def problem_panel_data(sender, ticket, user, **kwargs) -> dict:
    """The problem panel (problems/templatetags/problem_tags.py): the ticket's problem and its change
    proposals, or the problems an agent may link it to."""
    link = selectors.problem_for_ticket(ticket)
    if link is not None:
        return {"problem_link": link, "problem_proposals": selectors.proposals_for_ticket(ticket)}
    return {"problem_link": None, "problems_to_link": selectors.problems_to_link()}


def queue_selection_action(sender, user, **kwargs) -> dict | None:
    """Link the tickets selected in the queue to a problem, or record a new problem with them."""
    if not powers.may_somewhere(user, TicketAction.LINK_PROBLEM):
        return None
    return {"template": "problems/queue_selection.html", "problems": selectors.problems_to_link(),
            "may_create": services.may_work_problems(user)}
