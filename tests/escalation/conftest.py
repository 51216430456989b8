from datetime import time, timedelta

import pytest

from escalation.models import BusinessInterval, EscalationRule, Metric, RuleAction, Schedule, SlaPolicy, SlaTarget
from tickets.models import Priority


@pytest.fixture
def office_hours(db):
    """Mon-Fri 08:00-12:00 and 13:00-17:00, Europe/Berlin."""
    schedule = Schedule.objects.create(name="Office", time_zone="Europe/Berlin", holiday_region="DE-BY")
    for day in range(5):
        BusinessInterval.objects.create(schedule=schedule, weekday=day, start=time(8), end=time(12))
        BusinessInterval.objects.create(schedule=schedule, weekday=day, start=time(13), end=time(17))
    return schedule


@pytest.fixture
def always(db):
    schedule = Schedule.objects.create(name="24/7", time_zone="Europe/Berlin")
    for day in range(7):
        BusinessInterval.objects.create(schedule=schedule, weekday=day, start=time(0), end=time(0))
    return schedule


def add_targets(policy, *, priority=Priority.NORMAL, business_hours=True, warn=75, **durations):
    for metric, duration in durations.items():
        SlaTarget.objects.create(policy=policy, metric=metric, priority=priority, duration=duration,
                                 business_hours=business_hours, warn_at_percent=warn)


@pytest.fixture
def policy(office_hours, tiers):
    """The default policy: normal priority gets 1 h first response, 2 h next response, 8 h
    resolution and 4 h at each tier, in office hours."""
    policy = SlaPolicy.objects.create(name="Standard", is_default=True, schedule=office_hours)
    add_targets(policy, first_response=timedelta(hours=1), next_response=timedelta(hours=2),
                resolution=timedelta(hours=8), tier_time=timedelta(hours=4))
    add_targets(policy, priority=Priority.URGENT, first_response=timedelta(minutes=15),
                resolution=timedelta(hours=2), tier_time=timedelta(hours=1))
    return policy


@pytest.fixture
def climb_rule(db):
    """Time at tier breached: move the ticket one tier up."""
    return EscalationRule.objects.create(name="Climb on tier time", position=10, metric=Metric.TIER_TIME,
                                         action=RuleAction.NEXT_TIER)
