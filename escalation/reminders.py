"""Wiedervorlage: an agent sets a ticket aside until a moment, and at that moment it comes back.

The same due-moment machinery as the SLA clocks: the moment lives in PostgreSQL (Reminder.due_at,
partial index), the sweep claims due reminders with FOR UPDATE SKIP LOCKED, and firing (the ticket
back to "open", the timeline entry, the notification, `fired_at`) commits in one transaction, so a
reminder fires exactly once whatever crashes or runs twice.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tickets import powers, roles
from tickets import services as ticket_services
from tickets.models import EventKind, Status, Ticket, TicketAction

from .models import ClockEventKind, Reminder

logger = logging.getLogger(__name__)

BATCH = 100
NOTE_MAX_LENGTH = Reminder._meta.get_field("note").max_length
SET_ASIDE_STATUSES = (Status.WAITING, Status.ON_HOLD)


@transaction.atomic
def reminder_set(*, ticket: Ticket, actor, due_at, note: str = "", status: str = Status.WAITING) -> Reminder:
    """Set the ticket aside ("waiting" or "on hold") until `due_at`; a reminder set before is replaced."""
    if not roles.is_agent(actor):
        raise PermissionDenied(_("Only agents can do this."))
    if status not in SET_ASIDE_STATUSES:
        raise ValidationError(_("A ticket is set aside as “waiting” or “on hold”."))
    if due_at is None or due_at <= timezone.now():
        raise ValidationError(_("Choose a moment in the future for the follow-up."))
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(_("The note may be at most %(max)d characters long.") % {"max": NOTE_MAX_LENGTH})
    ticket = Ticket.objects.select_for_update().select_related("tier").get(pk=ticket.pk)
    powers.require(actor, TicketAction.NOTE, ticket)
    if not ticket.is_open:
        raise ValidationError(_("Only open tickets can be set aside for a follow-up."))
    now = timezone.now()
    Reminder.objects.filter(ticket=ticket, fired_at__isnull=True, cancelled_at__isnull=True).update(cancelled_at=now)
    reminder = Reminder.objects.create(ticket=ticket, due_at=due_at, note=note, set_by=actor)
    if ticket.status != status:
        ticket_services.ticket_change_status(ticket=ticket, actor=actor, status=status, reason=note)
    ticket_services.ticket_record_automation(ticket=ticket, data={"reminder": {
        "due_at": due_at.isoformat(), "note": note, "by": actor.get_full_name() or actor.get_username()}})
    Ticket.objects.filter(pk=ticket.pk).update(follow_up_at=due_at)
    return reminder


def reminder_due_backlog(*, now=None, limit: int = 1) -> int:
    return len(Reminder.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True,
                                       due_at__lte=now or timezone.now()).values_list("pk")[:limit])


def process_due_reminders(*, now=None, batch_size: int = BATCH) -> int:
    """Fire every reminder whose moment has come, in batches of one transaction each."""
    done = 0
    while True:
        fired = _fire_batch(now or timezone.now(), batch_size)
        done += fired
        if fired < batch_size:
            return done


@transaction.atomic
def _fire_batch(now, batch_size) -> int:
    from .services import notify

    reminders = list(Reminder.objects.select_for_update(skip_locked=True, of=("self",)).select_related("set_by")
                     .filter(fired_at__isnull=True, cancelled_at__isnull=True, due_at__lte=now)
                     .order_by("due_at")[:batch_size])
    if not reminders:
        return 0
    tickets = {t.pk: t for t in Ticket.objects.select_for_update(skip_locked=True, of=("self",))
               .filter(pk__in={r.ticket_id for r in reminders}).select_related("assignee")}
    fired = 0
    for reminder in reminders:
        ticket = tickets.get(reminder.ticket_id)
        if ticket is None:  # a request holds the ticket: the next sweep takes the reminder
            continue
        data = {"due_at": reminder.due_at.isoformat(), "note": reminder.note,
                "by": (reminder.set_by.get_full_name() or reminder.set_by.get_username()) if reminder.set_by else ""}
        if ticket.status in SET_ASIDE_STATUSES:
            ticket_services.ticket_change_status(ticket=ticket, actor=None, status=Status.OPEN)
        ticket_services.ticket_record_automation(ticket=ticket, data={"reminder_due": data})
        Ticket.objects.filter(pk=ticket.pk).update(follow_up_at=reminder.due_at)
        recipient = ticket.assignee or reminder.set_by
        if recipient is not None and recipient.is_active:
            notify(ticket=ticket, kind=ClockEventKind.REMINDER, recipients=[recipient], data=data)
        reminder.fired_at = now
        reminder.save(update_fields=["fired_at"])
        fired += 1
    return fired


def on_ticket_event(ticket: Ticket, event) -> None:
    """An agent acting on a ticket whose follow-up has come takes the "due for follow-up" mark off."""
    if ticket.follow_up_at is None or event.actor_id is None or event.kind == EventKind.AUTOMATION:
        return
    if ticket.follow_up_at <= timezone.now() and roles.is_agent(event.actor):
        Ticket.objects.filter(pk=ticket.pk).update(follow_up_at=None)
        ticket.follow_up_at = None
