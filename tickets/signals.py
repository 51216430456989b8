"""The one hook other apps may listen to.

`ticket_changed(sender=Ticket, ticket=..., event=...)` is sent by tickets.services for every timeline
event, inside the transaction that wrote it. The escalation app listens to keep a ticket's SLA clocks
in step with the ticket: both commit together or not at all. Receivers must not send mail or enqueue
tasks directly; anything leaving the database goes through transaction.on_commit.
"""

from django.dispatch import Signal

ticket_changed = Signal()
