"""`manage.py fetch_mail [--mailbox NAME]`: fetch IMAP mailboxes now, as beat does every 30 s."""

from django.core.management.base import BaseCommand, CommandError

from mailchannel import imap
from mailchannel.models import Mailbox


class Command(BaseCommand):
    help = "Fetch new mail from the IMAP mailboxes now."

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", help="Only this mailbox (its name).")

    def handle(self, *args, mailbox=None, **options):
        boxes = Mailbox.objects.filter(is_active=True).exclude(imap_host="")
        if mailbox:
            boxes = boxes.filter(name=mailbox)
            if not boxes.exists():
                raise CommandError(f"No active IMAP mailbox named {mailbox!r}.")
        for box in boxes:
            try:
                result = imap.fetch_and_record(box)
            except Exception as error:  # noqa: BLE001
                self.stderr.write(f"{box.name}: {imap.describe_error(error)}")
                continue
            if result is None:
                self.stdout.write(f"{box.name}: another worker is fetching it right now.")
            else:
                self.stdout.write(f"{box.name}: {result.fetched} fetched {result.statuses}")
