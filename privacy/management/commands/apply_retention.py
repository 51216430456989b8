from django.core.management.base import BaseCommand

from privacy import selectors, services


class Command(BaseCommand):
    help = "Anonymise the closed tickets whose retention period is over (what beat does hourly); --dry-run only counts."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only say how many tickets would be anonymised.")

    def handle(self, *args, dry_run=False, **options):
        due = selectors.retention_dry_run()
        for row in due["by_organisation"]:
            self.stdout.write(f"{row['organisation__name'] or '-'}: {row['count']}")
        if dry_run:
            self.stdout.write(f"{due['total']} tickets would be anonymised.")
            return
        self.stdout.write(self.style.SUCCESS(f"{services.apply_retention(max_batches=10**6)} tickets anonymised."))
