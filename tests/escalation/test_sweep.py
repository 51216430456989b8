"""The sweep warns before a breach and acts on it exactly once, following the escalation rules."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils.dateparse import parse_datetime

from escalation import notifications, services
from escalation.models import ClockEvent, ClockEventKind, ClockState, EscalationRule, Metric, Notification, RuleAction, TicketClock
from tickets import services as ticket_services
from tickets.models import EventKind, Priority, Status
from tickets.presenters import describe_details
from tests.factories import make_ticket

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db


def berlin(*args):
    return datetime(*args, tzinfo=BERLIN)


MONDAY_9 = berlin(2026, 11, 23, 9, 0)


@pytest.fixture
def led_tiers(tier1, tier2, tier3, agent1, agent2, agent3):
    for tier, lead in ((tier1, agent1), (tier2, agent2), (tier3, agent3)):
        tier.lead = lead
        tier.save()
    return tier1, tier2, tier3


@pytest.fixture
def ticket(customer, policy, led_tiers):
    with time_machine.travel(MONDAY_9, tick=False):
        return make_ticket(customer)


def sweep(moment):
    with time_machine.travel(moment, tick=False):
        return services.process_due_clocks(now=moment)


def test_nothing_happens_before_anything_is_due(ticket):
    assert sweep(berlin(2026, 11, 23, 9, 44)) == 0


def test_a_warning_at_75_percent_notifies_the_lead_once_and_records_due_and_ran(ticket, agent1):
    assert sweep(berlin(2026, 11, 23, 9, 45, 20)) == 1
    assert sweep(berlin(2026, 11, 23, 9, 46)) == 0

    warned = ClockEvent.objects.get(kind=ClockEventKind.WARNED)
    assert warned.due_at == berlin(2026, 11, 23, 9, 45)
    assert warned.latency == timedelta(seconds=20)
    assert list(Notification.objects.values_list("recipient", "kind")) == [(agent1.pk, "warned")]
    first = TicketClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)
    assert first.next_fire_at == berlin(2026, 11, 23, 10, 0)


def test_a_warning_goes_to_the_assignee_and_the_lead(ticket, agent1, tier1):
    from tests.factories import make_agent

    colleague = make_agent(tier1, username="colleague")
    ticket_services.ticket_take(ticket=ticket, agent=colleague)
    sweep(berlin(2026, 11, 23, 9, 46))
    assert set(Notification.objects.values_list("recipient", flat=True)) == {colleague.pk, agent1.pk}


def test_a_breached_time_at_tier_moves_the_ticket_up_and_says_which_rule_fired(ticket, climb_rule, tier2, agent2):
    sweep(berlin(2026, 11, 23, 14, 0, 5))

    ticket.refresh_from_db()
    assert ticket.tier == tier2
    tier_event = ticket.events.get(kind=EventKind.TIER)
    facts = tier_event.data["automatic"]
    assert facts["rule_name"] == "Climb on tier time"
    assert facts["metric"] == "tier_time"
    assert parse_datetime(facts["due_at"]) == berlin(2026, 11, 23, 14, 0)
    assert describe_details(tier_event).startswith(
        "The target “Time at tier” was due at"
    )
    assert "rule “Climb on tier time” moved the ticket to 2nd Level" in describe_details(tier_event)
    # the time at the new tier starts now
    tier_time = TicketClock.objects.get(ticket=ticket, metric=Metric.TIER_TIME)
    assert tier_time.state == ClockState.RUNNING
    assert tier_time.started_at == berlin(2026, 11, 23, 14, 0, 5)
    escalated = ClockEvent.objects.get(kind=ClockEventKind.ESCALATED)
    assert escalated.latency == timedelta(seconds=5)
    assert Notification.objects.filter(kind="escalated", recipient=agent2).exists()


def test_each_breach_acts_exactly_once(ticket, climb_rule, tier2):
    sweep(berlin(2026, 11, 23, 14, 1))
    sweep(berlin(2026, 11, 23, 14, 2))
    assert ticket.events.filter(kind=EventKind.TIER).count() == 1
    assert ClockEvent.objects.filter(kind=ClockEventKind.BREACHED, clock__metric=Metric.TIER_TIME).count() == 1


def test_a_paused_clock_does_not_escalate(ticket, climb_rule, agent1):
    with time_machine.travel(berlin(2026, 11, 23, 9, 30), tick=False):
        ticket_services.ticket_reply(ticket=ticket, author=agent1, body="Please send the log", status=Status.WAITING)
    sweep(berlin(2026, 11, 24, 12, 0))
    ticket.refresh_from_db()
    assert ticket.tier.level == 1
    assert not ClockEvent.objects.filter(kind=ClockEventKind.BREACHED).exists()


def test_an_answered_ticket_does_not_breach_first_response(ticket, agent1):
    with time_machine.travel(berlin(2026, 11, 23, 9, 50), tick=False):
        ticket_services.ticket_reply(ticket=ticket, author=agent1, body="Hi")
    sweep(berlin(2026, 11, 23, 10, 30))
    assert not ClockEvent.objects.filter(kind=ClockEventKind.BREACHED, clock__metric=Metric.FIRST_RESPONSE).exists()


def test_at_the_top_tier_a_breach_raises_the_priority_and_notifies_the_lead(ticket, climb_rule, tier3, agent1, agent3):
    with time_machine.travel(berlin(2026, 11, 23, 9, 5), tick=False):
        ticket_services.ticket_escalate(ticket=ticket, actor=agent1, reason="Straight to 3rd", to_tier=tier3)
    sweep(berlin(2026, 11, 23, 14, 10))

    ticket.refresh_from_db()
    assert ticket.tier == tier3
    assert ticket.priority == Priority.HIGH
    automation = ticket.events.get(kind=EventKind.AUTOMATION, data__action="top_tier")
    assert automation.data["raised_priority"] == [Priority.NORMAL, Priority.HIGH]
    assert "breached at the highest tier" in describe_details(automation)
    assert Notification.objects.filter(kind="escalated", recipient=agent3).exists()


def test_without_a_matching_rule_the_breach_is_recorded_and_the_lead_told(ticket, agent1):
    sweep(berlin(2026, 11, 23, 10, 1))  # first response breached, no rule at all
    automation = ticket.events.get(kind=EventKind.AUTOMATION)
    assert automation.data["action"] == "none" and automation.data["metric"] == "first_response"
    assert Notification.objects.filter(kind="breached", recipient=agent1).exists()
    ticket.refresh_from_db()
    assert ticket.tier.level == 1


def test_a_named_tier_rule_can_skip_a_level(ticket, tier3):
    EscalationRule.objects.create(name="Straight up", metric=Metric.FIRST_RESPONSE, action=RuleAction.NAMED_TIER,
                                  to_tier=tier3, raise_priority=True)
    sweep(berlin(2026, 11, 23, 10, 1))
    ticket.refresh_from_db()
    assert ticket.tier == tier3
    assert ticket.priority == Priority.HIGH


def test_the_rule_for_the_tickets_tier_is_chosen(ticket, tier1, tier2):
    EscalationRule.objects.create(name="Other tier", position=1, from_tier=tier2, action=RuleAction.NOTIFY)
    EscalationRule.objects.create(name="This tier", position=2, from_tier=tier1, action=RuleAction.NEXT_TIER)
    sweep(berlin(2026, 11, 23, 10, 1))
    ticket.refresh_from_db()
    assert ticket.tier == tier2
    assert ticket.events.get(kind=EventKind.TIER).data["automatic"]["rule_name"] == "This tier"


def test_a_clock_moved_later_since_it_was_found_is_left_alone(ticket, agent1):
    """The state is checked again under the lock: a late worker must not act on an old due moment."""
    with time_machine.travel(berlin(2026, 11, 23, 9, 55), tick=False):
        ticket_services.ticket_reply(ticket=ticket, author=agent1, body="answer")
    assert sweep(berlin(2026, 11, 23, 10, 5)) == 0


def test_notification_mail_is_written_in_the_recipients_language(ticket, agent1):
    agent1.profile.language = "de"
    agent1.profile.save()
    sweep(berlin(2026, 11, 23, 9, 46))
    notifications.send_notification_mails(list(Notification.objects.values_list("pk", flat=True)))
    (message,) = mail.outbox
    assert message.subject == f"SLA-Warnung: {ticket.reference}"
    assert "„Erste Antwort“" in message.body


def test_applying_a_changed_policy_recomputes_open_tickets(ticket, policy):
    target = policy.targets.get(metric=Metric.FIRST_RESPONSE, priority=Priority.NORMAL)
    target.duration = timedelta(hours=2)
    target.save()
    with time_machine.travel(berlin(2026, 11, 23, 9, 30), tick=False):
        assert services.recompute_open_tickets() == 1
    assert TicketClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE).due_at == berlin(2026, 11, 23, 11, 0)


def test_one_broken_clock_does_not_hold_up_the_others(customer, policy, climb_rule, led_tiers, monkeypatch):
    with time_machine.travel(MONDAY_9, tick=False):
        broken, fine = make_ticket(customer), make_ticket(customer)
    real_fire = services._fire

    def fire(clock, ticket, *args):
        if ticket.pk == broken.pk:
            raise RuntimeError("bad data")
        return real_fire(clock, ticket, *args)

    monkeypatch.setattr(services, "_fire", fire)
    moment = berlin(2026, 11, 23, 14, 1)
    sweep(moment)

    fine.refresh_from_db()
    broken.refresh_from_db()
    assert fine.tier.level == 2 and broken.tier.level == 1
    retry = TicketClock.objects.filter(ticket=broken, next_fire_at__isnull=False).order_by("next_fire_at").first()
    assert retry.next_fire_at == moment + services.FAILED_CLOCK_RETRY
