from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .models import Category, Tier, TierMembership, TierPower
        from .selectors import forget_reference_lists

        for model in (Tier, Category, TierMembership, TierPower, get_user_model()):
            post_save.connect(forget_reference_lists, sender=model, dispatch_uid=f"reference-lists-save-{model.__name__}")
            post_delete.connect(forget_reference_lists, sender=model, dispatch_uid=f"reference-lists-delete-{model.__name__}")

        m2m_changed.connect(forget_reference_lists, sender=Tier.permissions.through,
                            dispatch_uid="reference-lists-tier-permissions")

        # Who holds a permission (roles.permission_holders): a user's flags, groups and permissions,
        # a group's or a tier's permissions, a tier's members.
        from django.contrib.auth.models import Group, Permission

        from .roles import forget_permission_holders

        user = get_user_model()
        for model in (user, Group, Permission, Tier, TierMembership):
            post_save.connect(forget_permission_holders, sender=model, dispatch_uid=f"holders-save-{model.__name__}")
            post_delete.connect(forget_permission_holders, sender=model, dispatch_uid=f"holders-delete-{model.__name__}")
        for through in (user.groups.through, user.user_permissions.through, Group.permissions.through,
                        Tier.permissions.through):
            m2m_changed.connect(forget_permission_holders, sender=through, dispatch_uid=f"holders-m2m-{through.__name__}")

        # Each agent's tiers (roles.memberships).
        from .roles import forget_memberships

        post_save.connect(forget_memberships, sender=TierMembership, dispatch_uid="memberships-save")
        post_delete.connect(forget_memberships, sender=TierMembership, dispatch_uid="memberships-delete")

        def grant_default_permissions(sender, instance, created, raw=False, **kwargs):
            if created and not raw:
                from .services import tier_grant_default_permissions

                tier_grant_default_permissions(instance)

        post_save.connect(grant_default_permissions, sender=Tier, dispatch_uid="tickets.tier-defaults", weak=False)

        from django.contrib.auth.signals import user_logged_in

        from . import twofactor

        def note_second_factor(sender, request, user, **kwargs):
            # Whether this login owes the second step, asked once here instead of on every page.
            if getattr(request, "session", None) is not None:
                twofactor.remember_device(request.session, user)

        user_logged_in.connect(note_second_factor, dispatch_uid="tickets.twofactor.login", weak=False)
