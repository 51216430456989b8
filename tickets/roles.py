"""Who is who: customers, agents (members of a support tier) and admins.

Every page asks, often several times: the tiers of every agent stay in the cache (dropped when a
membership changes, tickets/apps.py), and a user's answer on the user object for the request.
"""

MEMBERSHIPS_KEY = "tickets:memberships"
MEMBERSHIPS_SECONDS = 300


def memberships() -> dict[int, frozenset]:
    """Each agent's tiers by user id (a helpdesk has tens or hundreds of agents)."""
    from django.core.cache import cache

    def read():
        from .models import TierMembership

        found: dict[int, set] = {}
        for agent_id, tier_id in TierMembership.objects.values_list("agent_id", "tier_id"):
            found.setdefault(agent_id, set()).add(tier_id)
        return {agent_id: frozenset(tiers) for agent_id, tiers in found.items()}

    return cache.get_or_set(MEMBERSHIPS_KEY, read, MEMBERSHIPS_SECONDS)


def forget_memberships(**_kwargs) -> None:
    from helpdesk.caching import drop_now_and_after_commit

    drop_now_and_after_commit(key=MEMBERSHIPS_KEY)


def is_agent(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if not hasattr(user, "_helpdesk_tier_ids"):
        user._helpdesk_tier_ids = memberships().get(user.pk, frozenset())
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


HOLDERS_KEY = "tickets:permission-holders"
HOLDERS_SECONDS = 300


def permission_holders(permission: str) -> frozenset[int]:
    """The active users who hold `permission` ("app.codename"): given directly, by a group, by their
    tier (Tier.permissions) or as superusers. Pages ask on every request (may this agent review,
    work problems?), and Django's own check costs two queries per request, so the answer stays in
    the cache until a user, group, tier, membership or permission changes (tickets/apps.py)."""
    from django.core.cache import cache

    known = cache.get(HOLDERS_KEY) or {}
    if permission not in known:
        from django.contrib.auth import get_user_model

        users = get_user_model()._default_manager.filter(is_active=True)
        app_label, codename = permission.split(".", 1)
        by_permission = get_user_model()._default_manager.with_perm(
            permission, is_active=True, backend="django.contrib.auth.backends.ModelBackend")
        by_tier = users.filter(tier_memberships__tier__permissions__codename=codename,
                               tier_memberships__tier__permissions__content_type__app_label=app_label)
        known = {**known, permission: frozenset(by_permission.values_list("pk", flat=True))
                 | frozenset(by_tier.values_list("pk", flat=True))}
        cache.set(HOLDERS_KEY, known, HOLDERS_SECONDS)
    return known[permission]


def holds(user, permission: str) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.pk in permission_holders(permission))


def forget_permission_holders(update_fields=None, **_kwargs) -> None:
    from helpdesk.caching import drop_now_and_after_commit, saves_only_last_login

    if not saves_only_last_login(update_fields):
        drop_now_and_after_commit(key=HOLDERS_KEY)
