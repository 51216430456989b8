"""Existing tiers at the 3rd level and above get the powers a new one starts with
(settings.HELPDESK_TOP_LEVEL_PERMISSIONS): until now only admins could review articles or edit the
configuration."""

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import Q


def grant(apps, schema_editor):
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
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    permissions = list(Permission.objects.filter(wanted))
    for tier in tiers:
        tier.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0017_tier_powers"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("knowledgebase", "0007_one_vote_per_reader"),
        ("escalation", "0003_sla_policy_calls_count_as_response"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
