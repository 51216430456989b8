"""The top level works problems by default (settings.HELPDESK_TOP_LEVEL_PERMISSIONS)."""

from django.db import migrations

from tickets.migration_helpers import grant_top_level_permissions


def grant(apps, schema_editor):
    grant_top_level_permissions(apps, app_labels={"problems"})


class Migration(migrations.Migration):
    dependencies = [
        ("problems", "0001_initial"),
        ("tickets", "0018_top_level_permissions"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
