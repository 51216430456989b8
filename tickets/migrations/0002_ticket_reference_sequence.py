from django.db import migrations


class Migration(migrations.Migration):
    """Ticket numbers come from a sequence: unique without locks, even with many processes filing at once."""

    dependencies = [("tickets", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS tickets_ticket_reference_seq START 1000",
            "DROP SEQUENCE IF EXISTS tickets_ticket_reference_seq",
        ),
    ]
