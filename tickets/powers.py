"""Powers per level: which ticket actions the members of a tier may take on tickets of which levels.

An admin sets them per tier (TierPower rows in the tier's admin page); an action without a row has
the default below. The services ask `require` before they change a ticket for an agent, so pages,
the API, mail, bulk actions and workers obey the same rules; pages ask `may` to offer only what the
user may do. The system (actor None: SLA escalation, the mail channel's own notes) and admins may
do everything. Answers come from the cached reference lists: no query per question.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from . import roles
from .models import Reach, TicketAction

DEFAULT_REACH = {
    TicketAction.REPLY: Reach.OWN_AND_BELOW,
    TicketAction.NOTE: Reach.ALL,
    TicketAction.STATUS: Reach.OWN_AND_BELOW,
    TicketAction.PRIORITY: Reach.OWN_AND_BELOW,
    TicketAction.CATEGORY: Reach.OWN_AND_BELOW,
    TicketAction.ASSIGN: Reach.OWN_AND_BELOW,
    TicketAction.ESCALATE: Reach.OWN_LEVEL,
    TicketAction.SEND_BACK: Reach.OWN_AND_BELOW,
    TicketAction.LINK_PROBLEM: Reach.ALL,
}


def reaches(reach: str, own_level: int, ticket_level: int) -> bool:
    if reach == Reach.ALL:
        return True
    if reach == Reach.OWN_AND_BELOW:
        return ticket_level <= own_level
    if reach == Reach.OWN_LEVEL:
        return ticket_level == own_level
    return False


def may(user, action: str, tier_id: int) -> bool:
    """Whether `user` may take `action` on a ticket sitting at the tier `tier_id`."""
    if user is None or roles.is_admin(user):
        return True
    if not roles.is_agent(user):
        return False
    from .selectors import reference_lists  # selectors import the models; keep this module light

    lists = reference_lists()
    levels = {tier.pk: tier.level for tier in lists.tiers}
    ticket_level = levels.get(tier_id)
    if ticket_level is None:
        return False
    for own_tier in roles.agent_tier_ids(user):
        reach = lists.powers.get(own_tier, {}).get(action, DEFAULT_REACH[action])
        if own_tier in levels and reaches(reach, levels[own_tier], ticket_level):
            return True
    return False


def may_somewhere(user, action: str) -> bool:
    """Whether `user` may take `action` on tickets of at least one level (to offer it in lists)."""
    from .selectors import reference_lists

    return any(may(user, action, tier.pk) for tier in reference_lists().tiers)


def _refusal(action: str) -> str:
    return {
        TicketAction.REPLY: _("Your level may not answer tickets at %(tier)s."),
        TicketAction.NOTE: _("Your level may not add notes to tickets at %(tier)s."),
        TicketAction.STATUS: _("Your level may not change the status of tickets at %(tier)s."),
        TicketAction.PRIORITY: _("Your level may not change the priority of tickets at %(tier)s."),
        TicketAction.CATEGORY: _("Your level may not change the category of tickets at %(tier)s."),
        TicketAction.ASSIGN: _("Your level may not assign tickets at %(tier)s."),
        TicketAction.ESCALATE: _("Your level may not escalate tickets at %(tier)s."),
        TicketAction.SEND_BACK: _("Your level may not send back tickets at %(tier)s."),
        TicketAction.LINK_PROBLEM: _("Your level may not link tickets at %(tier)s to problems."),
    }[action]


def require(user, action: str, ticket) -> None:
    """Refuse with PermissionDenied, in words, unless `user` may take `action` on `ticket` now."""
    if not may(user, action, ticket.tier_id):
        raise PermissionDenied(_refusal(action) % {"tier": ticket.tier.name})


def may_configure(user) -> bool:
    """Whether the user enters the configuration pages (helpdesk.admin.ConfigurationSite): an
    admin, or a member of a tier that holds permissions. Asked by every agent page's menu: no query."""
    if roles.is_admin(user):
        return True
    from .selectors import reference_lists

    return bool(roles.agent_tier_ids(user) & reference_lists().tier_permissions.keys())
