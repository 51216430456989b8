"""The customer search finds a phone number however it is written ("0171 2345678", "+49 171 2345678",
"01712345678"): tickets.selectors.customer_search compares the digits, and this trigram index on the
digits of every stored number serves it. The expression is the one the selector sends, to the letter
(Django's `contains` adds the ::text)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0011_call_events"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS profile_phone_digits_trgm ON tickets_profile "
            "USING gin ((REGEXP_REPLACE(\"phone\", '[^0-9]', '', 'g')::text) gin_trgm_ops)",
            "DROP INDEX IF EXISTS profile_phone_digits_trgm",
        ),
    ]
