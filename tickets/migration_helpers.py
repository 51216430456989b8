"""Code that data migrations share (they run with historical models, passed in as `apps`)."""

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db.models import Q


def grant_top_level_permissions(apps, app_labels=None) -> None:
    """Give the tiers at the top level (and above) the permissions of settings.HELPDESK_TOP_LEVEL_PERMISSIONS
    that belong to `app_labels` (all when None): what a new top-level tier starts with."""
    Tier = apps.get_model("tickets", "Tier")
    tiers = list(Tier.objects.filter(level__gte=settings.HELPDESK_TOP_LEVEL))
    if not tiers:
        return
    # Permissions are created after all migrations ran; make them now, as Django would.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    wanted = Q(pk__in=[])
    for name in settings.HELPDESK_TOP_LEVEL_PERMISSIONS:
        app_label, codename = name.split(".")
        if app_labels is None or app_label in app_labels:
            wanted |= Q(content_type__app_label=app_label, codename=codename)
    permissions = list(Permission.objects.filter(wanted))
    for tier in tiers:
        tier.permissions.add(*permissions)
