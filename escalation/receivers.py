"""The escalation app's part in ticket pages, through the hooks of `tickets.signals`."""

from . import selectors


def sla_panel_data(sender, ticket, user, **kwargs) -> dict:
    """The clocks the SLA panel of the agent ticket page shows (escalation/templatetags/sla_tags.py)."""
    return {"sla_clocks": selectors.clocks_for_ticket(ticket)}
