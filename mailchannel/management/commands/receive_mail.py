"""`manage.py receive_mail --mailbox support < message.eml`: what a mail server's pipe calls.

Exit codes follow sysexits.h, which Postfix and Exim understand: 0 the mail is ours (stored, and
processed or recorded), 67 no such mailbox (the mail bounces), 75 a temporary failure (the database
is away: the mail server keeps the mail and tries again later).
"""

import sys

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from mailchannel.models import Mailbox
from mailchannel.services import receive_message

EX_NOUSER = 67
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Read one RFC 822 mail from standard input and process it for a mailbox."

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", required=True, help="The mailbox's name (or address).")

    def handle(self, *args, mailbox, **options):
        raw = sys.stdin.buffer.read()
        try:
            box = Mailbox.objects.filter(name=mailbox).first() or Mailbox.objects.filter(address__iexact=mailbox).first()
            if box is None:
                self.stderr.write(f"No mailbox named {mailbox!r}.")
                sys.exit(EX_NOUSER)
            inbound = receive_message(mailbox=box, raw=raw, source="pipe")
        except DatabaseError as error:
            self.stderr.write(f"Temporary failure, the mail server should retry: {error}")
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(f"{inbound.status} {inbound.reason} {inbound.ticket.reference if inbound.ticket else ''}".strip())
