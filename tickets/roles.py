"""Who is who: customers, agents (members of a support tier) and admins.

The answers are cached on the user object for the length of a request, so pages that ask often cost
one query at most.
"""


def is_agent(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if not hasattr(user, "_helpdesk_tier_ids"):
        user._helpdesk_tier_ids = frozenset(user.tier_memberships.values_list("tier_id", flat=True))
    return user.is_superuser or bool(user._helpdesk_tier_ids)


def agent_tier_ids(user) -> frozenset:
    """The tiers the agent belongs to (empty for customers and for admins without a membership)."""
    if not is_agent(user):
        return frozenset()
    return user._helpdesk_tier_ids


def is_admin(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_superuser


def is_customer(user) -> bool:
    return user.is_authenticated and user.is_active and not is_agent(user)
