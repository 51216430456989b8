from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend, ModelBackend


class EmailOrUsernameBackend(ModelBackend):
    """Customers log in with their e-mail address, agents also with their user name."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and "@" in username:
            user_model = get_user_model()
            match = user_model._default_manager.filter(email__iexact=username).order_by("id").first()
            if match is not None:
                username = match.get_username()
        return super().authenticate(request, username=username, password=password, **kwargs)


class TierPermissionBackend(BaseBackend):
    """Members of a tier hold the tier's permissions (Tier.permissions) while they are in it: an
    admin gives the 3rd level the right to review articles or edit categories once, for the level,
    instead of to every person. Django asks every backend (has_perm); this one adds no login."""

    def get_group_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_helpdesk_tier_perms"):
            # From the cached reference lists, not a query per page: a change of a tier's permissions
            # drops them (tickets/apps.py) and reaches every process within selectors.LOCAL_SECONDS.
            from . import roles
            from .selectors import reference_lists

            held = reference_lists().tier_permissions
            user_obj._helpdesk_tier_perms = set().union(*(held.get(t, ()) for t in roles.agent_tier_ids(user_obj)))
        return user_obj._helpdesk_tier_perms

    def has_module_perms(self, user_obj, app_label):
        return user_obj.is_active and any(
            name.startswith(f"{app_label}.") for name in self.get_all_permissions(user_obj))
