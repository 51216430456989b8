"""Trigram indexes for the agents' customer search (tickets.selectors.customer_search): Django's
icontains is UPPER(column) LIKE UPPER('%text%'), which only a trigram index on UPPER(column) serves."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("auth_user", "first_name", "customer_first_name_trgm"),
    ("auth_user", "last_name", "customer_last_name_trgm"),
    ("auth_user", "email", "customer_email_trgm"),
    ("tickets_profile", "phone", "profile_phone_trgm"),
    ("tickets_organisation", "name", "organisation_name_trgm"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("tickets", "0008_profile_phone_and_notes"),
    ]

    operations = [
        TrigramExtension(),
        *[
            migrations.RunSQL(
                f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)',
                f"DROP INDEX IF EXISTS {name}",
            )
            for table, column, name in INDEXES
        ],
    ]
