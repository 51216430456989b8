from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without locking the ticket table against writes: it holds every ticket ever filed.
    atomic = False

    dependencies = [
        ("tickets", "0005_ticket_list_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="ticket",
            index=models.Index(condition=models.Q(("status__in", ["solved", "closed"])), fields=["id"],
                               name="ticket_solved_idx"),
        ),
    ]
