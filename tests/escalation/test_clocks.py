"""SLA clocks follow the ticket: applied at creation, met by answers, paused by waiting, restarted by
tier changes, recomputed when priority changes, always in business hours."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from escalation.models import ClockEventKind, ClockState, Metric, SlaPolicy, TicketClock
from tickets import services
from tickets.models import Priority, Status
from tests.escalation.conftest import add_targets
from tests.factories import CategoryFactory, make_ticket

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)

pytestmark = pytest.mark.django_db


def berlin(*args):
    return datetime(*args, tzinfo=BERLIN)


def clock(ticket, metric):
    return TicketClock.objects.get(ticket=ticket, metric=metric)


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def ticket_monday(customer, policy):
    with at(MONDAY_9):
        return make_ticket(customer)


def test_a_new_ticket_gets_its_targets_in_business_hours(ticket_monday):
    assert clock(ticket_monday, Metric.FIRST_RESPONSE).due_at == berlin(2026, 11, 23, 10, 0)
    assert clock(ticket_monday, Metric.TIER_TIME).due_at == berlin(2026, 11, 23, 14, 0)  # lunch skipped
    assert clock(ticket_monday, Metric.RESOLUTION).due_at == berlin(2026, 11, 24, 9, 0)
    assert not TicketClock.objects.filter(ticket=ticket_monday, metric=Metric.NEXT_RESPONSE).exists()


def test_warnings_are_due_at_75_percent(ticket_monday):
    first = clock(ticket_monday, Metric.FIRST_RESPONSE)
    assert first.warn_at == berlin(2026, 11, 23, 9, 45)
    assert first.next_fire_at == first.warn_at


def test_the_ticket_carries_its_earliest_due_moment_for_the_queue(ticket_monday):
    ticket_monday.refresh_from_db()
    assert ticket_monday.next_breach_at == berlin(2026, 11, 23, 10, 0)


def test_a_ticket_filed_on_friday_evening_counts_from_monday_morning(customer, policy):
    with at(berlin(2026, 11, 27, 18, 30)):
        ticket = make_ticket(customer)
    assert clock(ticket, Metric.FIRST_RESPONSE).due_at == berlin(2026, 11, 30, 9, 0)


def test_holidays_are_not_business_time(customer, policy, office_hours):
    office_hours.holidays.create(date=berlin(2026, 11, 24, 0, 0).date(), name="Betriebsausflug")
    with at(berlin(2026, 11, 23, 16, 30)):
        ticket = make_ticket(customer)
    assert clock(ticket, Metric.FIRST_RESPONSE).due_at == berlin(2026, 11, 25, 8, 30)


def test_the_agents_first_answer_meets_the_first_response_target(ticket_monday, agent1):
    with at(berlin(2026, 11, 23, 9, 30)):
        services.ticket_reply(ticket=ticket_monday, author=agent1, body="On it")
    first = clock(ticket_monday, Metric.FIRST_RESPONSE)
    assert first.state == ClockState.MET
    assert first.consumed == timedelta(minutes=30)
    assert first.next_fire_at is None


def test_a_customer_reply_starts_the_next_response_target(ticket_monday, agent1, customer):
    with at(berlin(2026, 11, 23, 9, 30)):
        services.ticket_reply(ticket=ticket_monday, author=agent1, body="Which version?")
    with at(berlin(2026, 11, 23, 11, 0)):
        services.ticket_reply(ticket=ticket_monday, author=customer, body="4.2")
    assert clock(ticket_monday, Metric.NEXT_RESPONSE).due_at == berlin(2026, 11, 23, 14, 0)
    with at(berlin(2026, 11, 23, 13, 30)):
        services.ticket_reply(ticket=ticket_monday, author=agent1, body="Fixed in 4.3")
    assert clock(ticket_monday, Metric.NEXT_RESPONSE).state == ClockState.MET


def test_waiting_for_the_customer_pauses_resolution_and_resuming_shifts_the_due_moment(ticket_monday, agent1, customer):
    with at(berlin(2026, 11, 23, 10, 0)):
        services.ticket_reply(ticket=ticket_monday, author=agent1, body="Log please", status=Status.WAITING)
    resolution = clock(ticket_monday, Metric.RESOLUTION)
    assert resolution.state == ClockState.PAUSED
    assert resolution.consumed == timedelta(hours=1)
    assert resolution.due_at is None and resolution.next_fire_at is None
    assert clock(ticket_monday, Metric.FIRST_RESPONSE).state == ClockState.MET

    with at(berlin(2026, 11, 24, 10, 0)):  # a day later the customer answers
        services.ticket_reply(ticket=ticket_monday, author=customer, body="Here")
    resolution = clock(ticket_monday, Metric.RESOLUTION)
    assert resolution.state == ClockState.RUNNING
    assert resolution.due_at == berlin(2026, 11, 25, 9, 0)  # 7 business hours left: Tue 10-17 minus lunch, Wed 8-9
    kinds = list(resolution.events.values_list("kind", flat=True))
    assert kinds == [ClockEventKind.APPLIED, ClockEventKind.PAUSED, ClockEventKind.RESUMED]


def test_which_statuses_pause_is_configured_per_target(ticket_monday, agent1, policy):
    policy.pause_statuses = {**policy.pause_statuses, Metric.RESOLUTION: []}
    policy.save()
    with at(berlin(2026, 11, 23, 10, 0)):
        services.ticket_change_status(ticket=ticket_monday, actor=agent1, status=Status.ON_HOLD)
    assert clock(ticket_monday, Metric.RESOLUTION).state == ClockState.RUNNING
    assert clock(ticket_monday, Metric.TIER_TIME).state == ClockState.PAUSED


def test_a_higher_priority_brings_the_due_moments_forward(ticket_monday, agent1):
    with at(berlin(2026, 11, 23, 9, 10)):
        services.ticket_change_priority(ticket=ticket_monday, actor=agent1, priority=Priority.URGENT)
    first = clock(ticket_monday, Metric.FIRST_RESPONSE)
    assert first.target == timedelta(minutes=15)
    assert first.due_at == berlin(2026, 11, 23, 9, 15)
    assert first.events.last().kind == ClockEventKind.RECOMPUTED


def test_a_priority_without_targets_stops_the_clocks(ticket_monday, agent1):
    with at(berlin(2026, 11, 23, 9, 10)):
        services.ticket_change_priority(ticket=ticket_monday, actor=agent1, priority=Priority.LOW)
    assert set(TicketClock.objects.filter(ticket=ticket_monday).values_list("state", flat=True)) == {ClockState.MET}


def test_moving_to_another_tier_restarts_the_time_at_tier(ticket_monday, agent1):
    with at(berlin(2026, 11, 23, 11, 0)):
        services.ticket_escalate(ticket=ticket_monday, actor=agent1, reason="deep")
    tier_time = clock(ticket_monday, Metric.TIER_TIME)
    assert tier_time.started_at == berlin(2026, 11, 23, 11, 0)
    assert tier_time.due_at == berlin(2026, 11, 23, 16, 0)
    assert clock(ticket_monday, Metric.RESOLUTION).due_at == berlin(2026, 11, 24, 9, 0)  # unchanged


def test_solving_meets_every_clock_and_reopening_resumes_resolution(ticket_monday, customer):
    with at(berlin(2026, 11, 23, 10, 0)):
        services.ticket_change_status(ticket=ticket_monday, actor=customer, status=Status.SOLVED)
    assert set(TicketClock.objects.filter(ticket=ticket_monday).values_list("state", flat=True)) == {ClockState.MET}
    ticket_monday.refresh_from_db()
    assert ticket_monday.next_breach_at is None

    with at(berlin(2026, 11, 23, 15, 0)):
        services.ticket_change_status(ticket=ticket_monday, actor=customer, status=Status.OPEN)
    resolution = clock(ticket_monday, Metric.RESOLUTION)
    assert resolution.state == ClockState.RUNNING
    assert resolution.due_at == berlin(2026, 11, 24, 14, 0)  # 1 h used, 7 h left from 15:00


def test_the_first_matching_policy_wins(customer, policy, office_hours):
    vip = CategoryFactory(name="VIP")
    special = SlaPolicy.objects.create(name="VIP", position=1, schedule=office_hours)
    special.categories.add(vip)
    add_targets(special, first_response=timedelta(minutes=5))
    with at(MONDAY_9):
        ticket = make_ticket(customer, category=vip)
        plain = make_ticket(customer)
    assert clock(ticket, Metric.FIRST_RESPONSE).policy == special
    assert clock(ticket, Metric.FIRST_RESPONSE).due_at == berlin(2026, 11, 23, 9, 5)
    assert clock(plain, Metric.FIRST_RESPONSE).policy == policy


def test_the_policies_are_read_once_and_an_admin_change_is_seen_by_the_next_ticket(
        customer, policy, office_hours, django_assert_num_queries):
    with at(MONDAY_9):
        make_ticket(customer)  # reads the policies into the cache
    target = policy.targets.get(metric=Metric.FIRST_RESPONSE, priority=Priority.NORMAL)
    target.duration = timedelta(minutes=30)
    target.save()
    with at(MONDAY_9):
        shorter = make_ticket(customer)
    assert clock(shorter, Metric.FIRST_RESPONSE).due_at == berlin(2026, 11, 23, 9, 30)

    vip = CategoryFactory(name="VIP")
    special = SlaPolicy.objects.create(name="VIP", position=1, schedule=office_hours)
    add_targets(special, first_response=timedelta(minutes=5))
    with at(MONDAY_9):
        make_ticket(customer, category=vip)  # the VIP policy names no category yet
    special.categories.add(vip)
    with at(MONDAY_9):
        ticket = make_ticket(customer, category=vip)
    assert clock(ticket, Metric.FIRST_RESPONSE).policy == special

    from escalation.clocks import _policies
    with at(MONDAY_9), django_assert_num_queries(0):  # (the cache's expiry counts in travelled time)
        _policies()


def test_calendar_hour_targets_run_around_the_clock(customer, office_hours, tiers):
    policy = SlaPolicy.objects.create(name="24h", is_default=True, schedule=office_hours)
    add_targets(policy, business_hours=False, resolution=timedelta(hours=24))
    with at(berlin(2026, 11, 27, 18, 0)):
        ticket = make_ticket(customer)
    assert clock(ticket, Metric.RESOLUTION).due_at == berlin(2026, 11, 28, 18, 0)


def test_without_any_policy_tickets_simply_have_no_clocks(customer, tiers):
    ticket = make_ticket(customer)
    assert not TicketClock.objects.filter(ticket=ticket).exists()
