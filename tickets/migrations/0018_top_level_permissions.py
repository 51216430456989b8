"""Existing tiers at the 3rd level and above get the powers a new one starts with
(settings.HELPDESK_TOP_LEVEL_PERMISSIONS): until now only admins could review articles or edit the
configuration."""

from django.db import migrations

from tickets.migration_helpers import grant_top_level_permissions


def grant(apps, schema_editor):
    grant_top_level_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0017_tier_powers"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("knowledgebase", "0007_one_vote_per_reader"),
        ("escalation", "0003_sla_policy_calls_count_as_response"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
