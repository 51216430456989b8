"""Keeping a ticket's SLA clocks in step with the ticket.

`on_ticket_event` runs for every timeline event, inside the transaction that wrote it (see
tickets.signals), with the ticket row already locked by the tickets service. It picks the policy,
starts, pauses, resumes, meets and restarts clocks, recomputes their due moments in business hours
and logs every change as a ClockEvent.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.contrib.postgres.aggregates import ArrayAgg
from django.core.cache import cache
from django.db.models import Q, Value

from helpdesk.caching import drop_now_and_after_commit
from tickets.models import SOLVED_STATUSES, EventKind, Ticket

from .business_hours import BusinessCalendar, WeeklyInterval
from .models import ClockEvent, ClockEventKind, ClockState, Metric, Schedule, SlaPolicy, SlaTarget, TicketClock

OPEN_CLOCK_STATES = (ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED)
STOPPING_STATUSES = SOLVED_STATUSES

# Calendars are cheap to build but are asked for on every event; keep them per process, keyed by
# the schedule's last change so an admin's edit takes effect at once.
_calendar_cache: dict[int, tuple[object, BusinessCalendar]] = {}


def calendar_for(schedule: Schedule) -> BusinessCalendar:
    cached = _calendar_cache.get(schedule.pk)
    if cached and cached[0] == schedule.updated_at:
        return cached[1]
    intervals = [WeeklyInterval(i.weekday, i.start, i.end) for i in schedule.intervals.all()]
    calendar = BusinessCalendar(schedule.time_zone, intervals, [h.date for h in schedule.holidays.all()])
    _calendar_cache[schedule.pk] = (schedule.updated_at, calendar)
    return calendar


# --- choosing the policy -----------------------------------------------------------------------


POLICIES_KEY = "escalation:policies"
POLICIES_SECONDS = 300


def _read_policies() -> list[SlaPolicy]:
    # One query for every policy and the ids its conditions name, one for all their targets.
    policies = list(
        SlaPolicy.objects.select_related("schedule")
        .annotate(
            category_ids=ArrayAgg("categories__id", distinct=True, filter=Q(categories__isnull=False), default=Value([])),
            organisation_ids=ArrayAgg("organisations__id", distinct=True, filter=Q(organisations__isnull=False),
                                      default=Value([])),
        )
        .order_by("position", "id")
    )
    by_policy: dict[int, dict[tuple[int, str], SlaTarget]] = {p.pk: {} for p in policies}
    for target in SlaTarget.objects.filter(policy__in=policies):
        by_policy[target.policy_id][(target.priority, target.metric)] = target
    for policy in policies:
        policy.targets_by_priority = by_policy[policy.pk]
    return policies


def _policies() -> list[SlaPolicy]:
    """Every policy with its conditions and targets. Each new ticket and each change of priority or
    category chooses among them, and admins change them rarely: they stay in the cache until a
    policy, target or schedule changes (escalation/apps.py drops them)."""
    return cache.get_or_set(POLICIES_KEY, _read_policies, POLICIES_SECONDS)


def forget_policies(**kwargs) -> None:
    drop_now_and_after_commit(key=POLICIES_KEY)


def policy_matches(policy: SlaPolicy, ticket: Ticket) -> bool:
    if hasattr(policy, "category_ids"):  # read by _policies()
        categories, organisations = set(policy.category_ids), set(policy.organisation_ids)
    else:
        categories = {c.pk for c in policy.categories.all()}
        organisations = {o.pk for o in policy.organisations.all()}
    return (
        (not categories or ticket.category_id in categories)
        and (not policy.priorities or ticket.priority in policy.priorities)
        and (not organisations or ticket.organisation_id in organisations)
    )


def policy_for(ticket: Ticket, policies=None) -> SlaPolicy | None:
    """The first policy whose conditions all match, else the default one."""
    policies = list(policies if policies is not None else _policies())
    for policy in policies:
        if not policy.is_default and policy_matches(policy, ticket):
            return policy
    return next((p for p in policies if p.is_default), None)


def _targets(policy: SlaPolicy | None, priority: int) -> dict[str, SlaTarget]:
    if policy is None:
        return {}
    if hasattr(policy, "targets_by_priority"):  # read by _policies()
        return {metric: t for (p, metric), t in policy.targets_by_priority.items() if p == priority}
    return {t.metric: t for t in SlaTarget.objects.filter(policy=policy, priority=priority)}


def _pauses(policy: SlaPolicy | None, metric: str, status: str) -> bool:
    if policy is None:
        return False
    return status in (policy.pause_statuses or {}).get(metric, [])


# --- arithmetic on one clock -------------------------------------------------------------------


def clock_calendar(clock: TicketClock) -> BusinessCalendar | None:
    """The clock's business calendar; None for calendar-time clocks (or if its policy was deleted)."""
    if not clock.business_hours or clock.policy_id is None:
        return None
    return calendar_for(clock.policy.schedule)


def _elapsed(calendar: BusinessCalendar | None, start, end) -> timedelta:
    if end <= start:
        return timedelta(0)
    return calendar.between(start, end) if calendar else end - start


def _advance(calendar: BusinessCalendar | None, start, amount: timedelta):
    if amount <= timedelta(0):
        return start
    return calendar.add(start, amount) if calendar else start + amount


def time_used(clock: TicketClock, now) -> timedelta:
    if clock.running_since is None:
        return clock.consumed
    return clock.consumed + _elapsed(clock_calendar(clock), clock.running_since, now)


def schedule_moments(clock: TicketClock) -> None:
    """Set due_at, warn_at and next_fire_at from the clock's state and the time it has used."""
    if clock.state in (ClockState.MET, ClockState.PAUSED):
        clock.due_at = clock.warn_at = clock.next_fire_at = None
        return
    calendar = clock_calendar(clock)
    clock.due_at = _advance(calendar, clock.running_since, clock.target - clock.consumed)
    if clock.state == ClockState.BREACHED:
        clock.warn_at = clock.next_fire_at = None
        return
    clock.warn_at = None
    if clock.warn_at_percent and clock.warned_at is None:
        threshold = clock.target * clock.warn_at_percent / 100
        clock.warn_at = _advance(calendar, clock.running_since, threshold - clock.consumed)
    candidates = [m for m in (clock.warn_at, clock.due_at) if m is not None]
    clock.next_fire_at = min(candidates)


# While on_ticket_event runs, its log lines gather here and are written in one INSERT.
_gathered_logs: ContextVar[list | None] = ContextVar("gathered_clock_logs", default=None)


@contextmanager
def _logs_in_one_insert():
    gathered = []
    token = _gathered_logs.set(gathered)
    try:
        yield
        ClockEvent.objects.bulk_create(gathered)
    finally:
        _gathered_logs.reset(token)


def _log(clock: TicketClock, kind: str, now, due_at=None, **data) -> None:
    line = ClockEvent(clock=clock, ticket_id=clock.ticket_id, kind=kind, due_at=due_at, data=data)
    gathered = _gathered_logs.get()
    if gathered is None:
        line.save()
    else:
        gathered.append(line)


def _pause(clock, now, reason):
    clock.consumed = time_used(clock, now)
    clock.running_since = None
    clock.state = ClockState.PAUSED
    _log(clock, ClockEventKind.PAUSED, now, status=reason)


def _resume(clock, now, reason):
    clock.running_since = now
    clock.state = ClockState.BREACHED if clock.breached_at else ClockState.RUNNING
    _log(clock, ClockEventKind.RESUMED, now, status=reason)


def _meet(clock, now, reason):
    clock.consumed = time_used(clock, now)
    clock.running_since = None
    clock.stopped_at = now
    clock.state = ClockState.MET
    _log(clock, ClockEventKind.MET, now, reason=reason, late=bool(clock.breached_at))


def _restart(clock, now, reason):
    clock.started_at = now
    clock.consumed = timedelta(0)
    clock.running_since = now
    clock.warned_at = clock.breached_at = clock.stopped_at = None
    clock.state = ClockState.RUNNING
    _log(clock, ClockEventKind.RESTARTED, now, reason=reason)


def _new_clock(ticket, policy, target, now) -> TicketClock:
    return TicketClock(
        ticket=ticket, metric=target.metric, policy=policy, target=target.duration,
        business_hours=target.business_hours, warn_at_percent=target.warn_at_percent,
        state=ClockState.RUNNING, started_at=now, running_since=now, consumed=timedelta(0),
    )


def _retarget(clock, policy, target) -> bool:
    new = (policy.pk, target.duration, target.business_hours, target.warn_at_percent)
    old = (clock.policy_id, clock.target, clock.business_hours, clock.warn_at_percent)
    if new == old:
        return False
    clock.policy, clock.target, clock.business_hours, clock.warn_at_percent = (
        policy, target.duration, target.business_hours, target.warn_at_percent,
    )
    return True


# --- the event handler -------------------------------------------------------------------------


def on_ticket_event(ticket: Ticket, event) -> None:
    """Bring the ticket's clocks in line with what just happened to it."""
    with _logs_in_one_insert():
        _on_ticket_event(ticket, event)


def _on_ticket_event(ticket: Ticket, event) -> None:
    now = event.created_at
    data = event.data or {}
    if event.kind == EventKind.CREATED:
        clocks = {}  # recorded once, by ticket_create, right after the ticket's row: no clocks yet
    else:
        clocks = {c.metric: c for c in TicketClock.objects.filter(ticket=ticket).select_related("policy__schedule")}
    if event.kind == EventKind.CREATED or (not clocks and ticket.is_open):
        if not clocks:
            _apply_policy(ticket, clocks, now, first=True)
        _finish(ticket, clocks, now)
        return
    if not clocks:
        return
    changed: set[str] = set()
    policy = next((c.policy for c in clocks.values() if c.policy_id), None)

    answered_by_call = (event.kind == EventKind.CALL and data.get("with_customer")
                        and policy is not None and policy.calls_count_as_response)
    if event.kind == EventKind.REPLY or answered_by_call:
        if data.get("author_role") == "agent" or answered_by_call:
            for metric in (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE):
                clock = clocks.get(metric)
                if clock and clock.state in OPEN_CLOCK_STATES:
                    _meet(clock, now, "phone_call" if answered_by_call else "agent_reply")
                    changed.add(metric)
        else:
            first = clocks.get(Metric.FIRST_RESPONSE)
            if first is None or first.state == ClockState.MET:
                changed |= _start_next_response(ticket, clocks, policy, now)
    elif event.kind == EventKind.STATUS:
        old, new = data.get("from"), data.get("to")
        if new in STOPPING_STATUSES:
            for clock in clocks.values():
                if clock.state in OPEN_CLOCK_STATES:
                    _meet(clock, now, new)
                    changed.add(clock.metric)
        elif old in STOPPING_STATUSES:
            for metric in (Metric.RESOLUTION, Metric.TIER_TIME):
                clock = clocks.get(metric)
                if clock and clock.state == ClockState.MET:
                    clock.stopped_at = None
                    _resume(clock, now, "reopened")
                    changed.add(metric)
    elif event.kind in (EventKind.PRIORITY, EventKind.CATEGORY):
        changed |= _apply_policy(ticket, clocks, now)
    elif event.kind == EventKind.TIER:
        clock = clocks.get(Metric.TIER_TIME)
        if clock and ticket.is_open:
            _restart(clock, now, "tier_changed")
            changed.add(clock.metric)

    changed |= _apply_pauses(ticket, clocks, now)
    for metric in changed:
        schedule_moments(clocks[metric])
        clocks[metric].save()  # one UPDATE each: cheaper than bulk_update's CASE for the one to three that change
    # Always: a clock may have changed outside this handler (the sweep marks breaches).
    _finish(ticket, clocks, now)


def _start_next_response(ticket, clocks, policy, now) -> set[str]:
    clock = clocks.get(Metric.NEXT_RESPONSE)
    if clock is not None:
        if clock.state in (ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED):
            return set()  # the earliest unanswered message sets the pace
        _restart(clock, now, "customer_reply")
        return {clock.metric}
    target = _targets(policy, ticket.priority).get(Metric.NEXT_RESPONSE)
    if target is None:
        return set()
    clock = _new_clock(ticket, policy, target, now)
    schedule_moments(clock)
    clock.save()
    clocks[clock.metric] = clock
    _log(clock, ClockEventKind.APPLIED, now, policy=policy.name, target_seconds=target.duration.total_seconds())
    return {clock.metric}


def _apply_policy(ticket, clocks, now, first=False) -> set[str]:
    """(Re)choose the policy and targets; create the clocks a new ticket needs, retarget the rest."""
    policy = policy_for(ticket)
    targets = _targets(policy, ticket.priority)
    changed = set()
    if first:
        new = []
        for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION, Metric.TIER_TIME):
            target = targets.get(metric)
            if target is None:
                continue
            clock = _new_clock(ticket, policy, target, now)
            schedule_moments(clock)
            clocks[metric] = clock
            new.append((clock, target))
        # Every new ticket comes through here: one INSERT for its clocks and one for their log lines.
        TicketClock.objects.bulk_create([clock for clock, _target in new])
        ClockEvent.objects.bulk_create([
            ClockEvent(clock=clock, ticket_id=clock.ticket_id, kind=ClockEventKind.APPLIED, due_at=None,
                       data={"policy": policy.name, "target_seconds": target.duration.total_seconds()})
            for clock, target in new
        ])
        return set()
    for metric, clock in clocks.items():
        if clock.state == ClockState.MET:
            continue
        target = targets.get(metric)
        if target is None:
            # The new policy has no such target: the clock stops rather than keep an obsolete promise.
            _meet(clock, now, "no_target")
            changed.add(metric)
            continue
        if clock.running_since is not None and clock.policy_id and clock.policy.schedule_id != policy.schedule_id:
            # Time used so far stays measured in the old schedule; the rest runs in the new one.
            clock.consumed = time_used(clock, now)
            clock.running_since = now
        if _retarget(clock, policy, target):
            _log(clock, ClockEventKind.RECOMPUTED, now, policy=policy.name,
                 target_seconds=target.duration.total_seconds())
            changed.add(metric)
    return changed


def _apply_pauses(ticket, clocks, now) -> set[str]:
    changed = set()
    for metric, clock in clocks.items():
        if clock.policy_id is None or clock.state not in (ClockState.RUNNING, ClockState.PAUSED):
            continue
        should_pause = _pauses(clock.policy, metric, ticket.status)
        if should_pause and clock.state == ClockState.RUNNING:
            _pause(clock, now, ticket.status)
            changed.add(metric)
        elif not should_pause and clock.state == ClockState.PAUSED:
            _resume(clock, now, ticket.status)
            changed.add(metric)
    return changed


def _finish(ticket, clocks, now) -> None:
    """Keep the ticket's `next_breach_at` (what the queue sorts by) equal to its earliest due clock."""
    due = [c.due_at for c in clocks.values() if c.state == ClockState.RUNNING and c.due_at]
    next_breach = min(due) if due else None
    if ticket.next_breach_at != next_breach:
        ticket.next_breach_at = next_breach
        Ticket.objects.filter(pk=ticket.pk).update(next_breach_at=next_breach)


def recompute_ticket(ticket: Ticket, now) -> None:
    """Re-pick the policy and recompute every clock of a ticket (after an admin changed a policy or a
    schedule). Time already used is kept; only the promise and the due moments change."""
    clocks = {c.metric: c for c in TicketClock.objects.filter(ticket=ticket).select_related("policy__schedule")}
    if not clocks:
        if ticket.is_open:
            _apply_policy(ticket, clocks, now, first=True)
            _finish(ticket, clocks, now)
        return
    _apply_policy(ticket, clocks, now)
    _apply_pauses(ticket, clocks, now)
    for clock in clocks.values():
        schedule_moments(clock)
        clock.save()
    _finish(ticket, clocks, now)
