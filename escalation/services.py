"""Writes of the escalation app: the sweep that warns and escalates, notifications, and the admin's
"apply to open tickets".

The sweep's contract: every warning and every breach happens exactly once, however many workers run
and whatever crashed. PostgreSQL holds the due moments; a claim is a row lock (`FOR UPDATE SKIP
LOCKED`), the action and the clock's new state commit together, and mail leaves only after commit.
A worker that dies mid-batch rolls back, and the next sweep finds the same clocks still due.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from helpdesk.caching import drop_now_and_after_commit
from tickets import services as ticket_services
from tickets.models import OPEN_STATUSES, Priority, Ticket, Tier

from . import selectors
from .clocks import recompute_ticket, schedule_moments
from .models import ClockEvent, ClockEventKind, ClockState, EscalationRule, Notification, RuleAction, TicketClock

logger = logging.getLogger(__name__)

SWEEP_BATCH = 100
# A clock whose processing failed (a bug, bad data) is tried again after this, not in a tight loop.
FAILED_CLOCK_RETRY = timedelta(minutes=5)


# --- claiming and firing due clocks ------------------------------------------------------------


def process_due_clocks(*, now=None, batch_size: int = SWEEP_BATCH, time_budget: float = 8.0) -> int:
    """Warn or breach every clock whose moment has come, in batches of one transaction each.
    Returns how many clocks were acted on. Stops after `time_budget` seconds so beat's next run
    (and other workers) can take over; what is left is still due and will be claimed."""
    started = time.monotonic()
    done = 0
    while time.monotonic() - started < time_budget:
        acted = _process_batch(now or timezone.now(), batch_size)
        done += acted
        if acted < batch_size:
            break
    return done


@transaction.atomic
def _process_batch(now, batch_size) -> int:
    clocks = list(
        TicketClock.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("policy__schedule")
        .filter(next_fire_at__lte=now)
        .order_by("next_fire_at")[:batch_size]
    )
    if not clocks:
        return 0
    # Lock order everywhere else is ticket, then clocks. Here the clock is locked first, so the
    # ticket is only taken if free (SKIP LOCKED): a request busy with it never waits for us, and the
    # clock is simply claimed again by the next sweep.
    rules = list(EscalationRule.objects.filter(is_active=True).select_related("to_tier").order_by("position", "id"))
    tiers = list(Tier.objects.select_related("lead").order_by("level"))
    ticket_ids = {c.ticket_id for c in clocks}
    tickets = {
        t.pk: t
        for t in Ticket.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=ticket_ids)
        .select_related("tier__lead", "assignee")
    }
    acted = 0
    for clock in clocks:
        ticket = tickets.get(clock.ticket_id)
        if ticket is None:
            continue
        try:
            with transaction.atomic():  # a savepoint: one broken clock must not hold up the others
                _fire(clock, ticket, now, rules, tiers)
        except Exception:
            logger.exception("SLA clock %s of ticket %s could not be processed; retrying later", clock.pk, ticket.reference)
            TicketClock.objects.filter(pk=clock.pk).update(next_fire_at=now + FAILED_CLOCK_RETRY)
        acted += 1
    return acted


def due_backlog(*, now=None, limit: int) -> int:
    """How many clocks are due, counted up to `limit` (an index-only look, for deciding on help)."""
    return len(TicketClock.objects.filter(next_fire_at__lte=now or timezone.now()).values_list("pk")[:limit])


def _fire(clock: TicketClock, ticket: Ticket, now, rules, tiers) -> None:
    # The row was read as it stood when the lock was granted, so this check is current: a reply or a
    # status change may have moved or stopped the clock, or another worker may have acted already.
    clock.ticket = ticket
    if clock.next_fire_at is None or clock.next_fire_at > now:
        return
    if clock.state == ClockState.RUNNING and clock.warn_at and clock.warned_at is None and clock.warn_at <= now:
        _warn(clock, ticket, now)
    if clock.state == ClockState.RUNNING and clock.due_at and clock.due_at <= now and clock.breached_at is None:
        _breach(clock, ticket, now, rules, tiers)
        return
    schedule_moments(clock)
    clock.save(update_fields=["warned_at", "warn_at", "due_at", "next_fire_at"])


def _warn(clock: TicketClock, ticket: Ticket, now) -> None:
    clock.warned_at = now
    ClockEvent.objects.create(
        clock=clock, ticket=ticket, kind=ClockEventKind.WARNED, due_at=clock.warn_at,
        data={"metric": clock.metric, "breach_due_at": clock.due_at.isoformat(), "percent": clock.warn_at_percent},
    )
    notify(ticket=ticket, kind=ClockEventKind.WARNED, recipients=_people(ticket, assignee=True, lead=True),
           data={"metric": clock.metric, "due_at": clock.due_at.isoformat()})


def matching_rule(metric: str, tier: Tier, rules) -> EscalationRule | None:
    """The first active rule (in `rules`, ordered by position) for this target and tier."""
    for rule in rules:
        if (not rule.metric or rule.metric == metric) and (rule.from_tier_id is None or rule.from_tier_id == tier.pk):
            return rule
    return None


def _breach(clock: TicketClock, ticket: Ticket, now, rules, tiers) -> None:
    due_at = clock.due_at
    clock.state = ClockState.BREACHED
    clock.breached_at = now
    schedule_moments(clock)
    clock.save()
    ClockEvent.objects.create(clock=clock, ticket=ticket, kind=ClockEventKind.BREACHED, due_at=due_at,
                              data={"metric": clock.metric})
    # The ticket's `next_breach_at` follows when the timeline event below reaches the clocks.

    rule = matching_rule(clock.metric, ticket.tier, rules)
    facts = {
        "metric": clock.metric,
        "due_at": due_at.isoformat(),
        "ran_at": now.isoformat(),
        "rule_id": rule.pk if rule else None,
        "rule_name": rule.name if rule else None,
        "from_tier": {"id": ticket.tier.pk, "level": ticket.tier.level, "name": ticket.tier.name},
    }
    if rule is None:
        # No rule: say so on the timeline and tell the lead; nothing moves.
        facts["action"] = "none"
        _record_on_timeline(ticket, facts)
        notify(ticket=ticket, kind=ClockEventKind.BREACHED, recipients=_people(ticket, lead=True, tiers=tiers), data=facts)
        return

    to_tier = _destination(rule, ticket.tier, tiers)
    if to_tier is not None:
        facts["action"] = "moved"
        facts["to_tier"] = {"id": to_tier.pk, "level": to_tier.level, "name": to_tier.name}
        facts["raised_priority"] = _raise(ticket) if rule.raise_priority else None
        # The move restarts the time-at-tier clock and notifies through the new tier's lead.
        ticket_services.ticket_move_to_tier(ticket=ticket, actor=None, to_tier=to_tier, reason="", automatic=facts)
        recipients = _people(ticket, assignee=rule.notify_assignee, lead=rule.notify_lead, tiers=tiers)
    else:
        # Top tier (or "only notify"): nowhere to go; raise the priority if the rule says so or
        # if it wanted to move, and make sure the lead knows.
        facts["action"] = "top_tier" if rule.action != RuleAction.NOTIFY else "notified"
        if rule.raise_priority or rule.action != RuleAction.NOTIFY:
            facts["raised_priority"] = _raise(ticket)
        _record_on_timeline(ticket, facts)
        recipients = _people(ticket, assignee=rule.notify_assignee, lead=rule.notify_lead or facts["action"] == "top_tier",
                             tiers=tiers)
    ClockEvent.objects.create(clock=clock, ticket=ticket, kind=ClockEventKind.ESCALATED, due_at=due_at, data=facts)
    notify(ticket=ticket, kind=ClockEventKind.ESCALATED, recipients=recipients, data=facts)


def _destination(rule: EscalationRule, tier: Tier, tiers) -> Tier | None:
    if rule.action == RuleAction.NOTIFY:
        return None
    if rule.action == RuleAction.NAMED_TIER:
        return rule.to_tier if rule.to_tier_id != tier.pk else None
    return next((t for t in tiers if t.level > tier.level), None)


def _raise(ticket: Ticket) -> list[int] | None:
    if ticket.priority >= Priority.URGENT:
        return None
    old = ticket.priority
    ticket_services.ticket_change_priority(ticket=ticket, actor=None, priority=old + 1)
    return [old, old + 1]


def _record_on_timeline(ticket: Ticket, facts: dict) -> None:
    ticket_services.ticket_record_automation(ticket=ticket, data=facts)


def _people(ticket: Ticket, *, assignee=False, lead=False, tiers=None) -> list:
    people = []
    if assignee and ticket.assignee_id:
        people.append(ticket.assignee)
    tier = next((t for t in tiers if t.pk == ticket.tier_id), None) if tiers else ticket.tier
    if lead and tier.lead_id and tier.lead_id != ticket.assignee_id:
        people.append(tier.lead)
    return people


# --- notifications -----------------------------------------------------------------------------


def notify(*, ticket: Ticket, kind: str, recipients, data: dict) -> list[Notification]:
    """An in-app notification per recipient, and a mail to each after the transaction commits."""
    from .tasks import send_sla_mail

    created = Notification.objects.bulk_create(
        [Notification(recipient=user, ticket=ticket, kind=kind, data=data) for user in recipients]
    )
    ids = [n.pk for n in created]
    for user in recipients:
        drop_now_and_after_commit(key=selectors.unread_key(user.pk))
    if ids:
        transaction.on_commit(lambda: send_sla_mail.delay(ids), robust=True)
    return created


def notifications_mark_read(*, user, ids=None) -> int:
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    drop_now_and_after_commit(key=selectors.unread_key(user.pk))
    return queryset.update(read_at=timezone.now())


# --- admin -------------------------------------------------------------------------------------


def recompute_open_tickets(*, ticket_ids=None, batch_size: int = 500) -> int:
    """Apply changed policies or schedules to open tickets: re-pick each ticket's policy and
    recompute its due moments. Time already used is kept."""
    queryset = Ticket.objects.filter(status__in=OPEN_STATUSES).order_by("pk")
    if ticket_ids is not None:
        queryset = queryset.filter(pk__in=ticket_ids)
    ids = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            now = timezone.now()
            for ticket in Ticket.objects.select_for_update().filter(pk__in=ids[start:start + batch_size]).order_by("pk"):
                recompute_ticket(ticket, now)
    return len(ids)
