"""The demo's support address (idempotent): mail piped in with `receive_mail --mailbox support`
opens tickets, and answers go out from it (printed on the console by `make run`)."""

from django.core.management.base import BaseCommand

from mailchannel.models import Mailbox


class Command(BaseCommand):
    help = "Create the demo mailbox support@example.com (mail piped in, no IMAP server)."

    def handle(self, *args, **options):
        Mailbox.objects.get_or_create(name="support", defaults={
            "address": "support@example.com", "display_name": "Example Support", "is_default": True, "language": "de",
        })
