"""Service levels in the browser: countdown badges that tick and turn red, the timeline and SLA panel
after the sweep escalated a ticket (in English and German, never shown to the customer), and the
notifications the new tier's lead receives.

Targets are a few seconds of calendar time on a 24/7 schedule, so the real clock does the waiting:
the browser's own countdown tells when a target is due, then the test runs the sweep
(`process_due_clocks`) in its own process instead of Celery beat, and reloads the page.
"""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from escalation.models import ClockState, Metric, Notification, SlaPolicy, TicketClock
from escalation.services import process_due_clocks
from tests.escalation.conftest import add_targets, always, climb_rule  # noqa: F401  (fixtures)
from tests.factories import make_ticket
from tickets.models import Priority, Ticket

from .helpers import timeline_items

pytestmark = pytest.mark.browser

RULE_SENTENCE = "rule “Climb on tier time” moved the ticket to 2nd Level"
# sla.js writes "<m> min, <s> s" below an hour ("<s> s" below a minute, as helpdesk/durations.py
# does), prefixed with the translated "overdue" once past.
RUNNING_TEXT = re.compile(r"^(?=\d)(?:(\d+) min)?(?:, )?(?:(\d+) s)?$")
DANGER = re.compile(r"(^|\s)text-bg-danger(\s|$)")
WARNING = re.compile(r"(^|\s)text-bg-warning(\s|$)")
# Longest the browser may need to see a few-second target pass (target + a tick + slack).
DUE_TIMEOUT = 10_000


@pytest.fixture
def fast_sla(always, tiers):  # noqa: F811
    """`fast_sla(seconds)`: the default policy, 24/7, whose only target is a calendar-time `Time at
    tier` of that many seconds for normal priority, without a warning."""

    def _make(seconds):
        policy = SlaPolicy.objects.create(name="Fast", is_default=True, schedule=always)
        add_targets(policy, priority=Priority.NORMAL, business_hours=False, warn=None,
                    tier_time=timedelta(seconds=seconds))
        return policy

    return _make


def tier_clock(ticket) -> TicketClock:
    return TicketClock.objects.get(ticket=ticket, metric=Metric.TIER_TIME)


def tier_badge(page: Page):
    """The countdown of the `Time at tier` target in the ticket's SLA panel."""
    return page.get_by_test_id("sla-panel").locator(f'li[data-metric="{Metric.TIER_TIME}"] .sla-countdown')


def seconds_left(text: str) -> int:
    match = RUNNING_TEXT.match(text)
    assert match, f"not a running countdown: {text!r}"
    return int(match[1] or 0) * 60 + int(match[2] or 0)


def escalate_when_due(page: Page, ticket, *, overdue_word="overdue", min_word="min", s_word="s") -> TicketClock:
    """With the agent's ticket page open: wait until its tier-time badge says the target is overdue,
    run the sweep as beat would, and reload. Returns the clock as it was before the sweep."""
    before = tier_clock(ticket)
    badge = tier_badge(page)
    expect(badge).to_have_attribute("data-state", "overdue", timeout=DUE_TIMEOUT)
    expect(badge.locator(".sla-left")).to_have_text(re.compile(
        rf"^{overdue_word} (\d+ {min_word}(, \d+ {s_word})?|\d+ {s_word})$"))
    assert timezone.now() >= before.due_at  # the browser and the server share this machine's clock
    assert process_due_clocks() == 1
    page.reload()
    return before


def short_datetime_de(moment: datetime) -> str:
    """Django's German SHORT_DATETIME_FORMAT ("d.m.Y H:i") in the site's time zone."""
    return f"{timezone.localtime(moment):%d.%m.%Y %H:%M}"


# --- the countdown -------------------------------------------------------------------------------


def test_ticket_badge_counts_down_and_turns_red_when_the_target_passes(page: Page, url, login_as, fast_sla, agent1, customer):
    fast_sla(5)
    ticket = make_ticket(customer, subject="Mail server down")
    clock = tier_clock(ticket)
    assert (clock.state, clock.business_hours, clock.target) == (ClockState.RUNNING, False, timedelta(seconds=5))
    login_as(agent1)

    page.goto(url(f"/agent/tickets/{ticket.reference}/"))
    badge = tier_badge(page)
    left = badge.locator(".sla-left")
    expect(badge).to_have_attribute("data-state", "running")
    expect(badge).to_have_class(WARNING)  # under an hour left
    expect(badge).not_to_have_class(DANGER)
    expect(left).to_have_text(RUNNING_TEXT)
    first = left.inner_text()
    assert seconds_left(first) <= 5

    # The script ticks every second: the text changes (downwards) without a reload.
    expect(left).not_to_have_text(first, timeout=2_000)
    second = left.inner_text()
    if RUNNING_TEXT.match(second):
        assert seconds_left(second) < seconds_left(first)

    expect(badge).to_have_class(DANGER, timeout=DUE_TIMEOUT)
    expect(badge).to_have_attribute("data-state", "overdue")
    expect(badge).not_to_have_class(WARNING)
    expect(left).to_have_text(re.compile(r"^overdue (\d+ min(, \d+ s)?|\d+ s)$"))
    expect(badge).to_contain_text("overdue")


def test_queue_shows_the_countdown_in_the_next_breach_column_and_it_turns_red(page: Page, url, login_as, fast_sla, agent1, customer):
    fast_sla(5)
    ticket = make_ticket(customer, subject="Mail server down")
    ticket.refresh_from_db()
    assert ticket.next_breach_at == tier_clock(ticket).due_at
    login_as(agent1)

    page.goto(url("/agent/"))
    headers = page.locator("table.table-queue thead th").all_inner_texts()
    column = [h.strip() for h in headers].index("Next breach")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=ticket.reference))
    expect(row).to_have_count(1)
    badge = row.locator("td").nth(column).locator(".sla-countdown")
    expect(badge).to_have_count(1)
    assert datetime.fromisoformat(badge.get_attribute("data-due")) == ticket.next_breach_at
    expect(badge).to_have_attribute("data-state", "running")
    expect(badge.locator(".sla-left")).to_have_text(RUNNING_TEXT)
    expect(badge).to_have_class(WARNING)

    expect(badge).to_have_class(DANGER, timeout=DUE_TIMEOUT)
    expect(badge).to_have_attribute("data-state", "overdue")
    expect(badge).to_contain_text("overdue")


# --- after the sweep escalated -------------------------------------------------------------------


def test_timeline_and_sla_panel_show_the_rule_that_fired_but_the_customer_does_not(
    page: Page, url, login_as, fast_sla, climb_rule, agent1, agent2, customer  # noqa: F811
):
    fast_sla(2)
    ticket = make_ticket(customer, subject="Mail server down")
    login_as(agent1)
    page.goto(url(f"/agent/tickets/{ticket.reference}/"))
    expect(page.get_by_test_id("tier")).to_have_text("1st Level")

    before = escalate_when_due(page, ticket)

    expect(page.get_by_test_id("tier")).to_have_text("2nd Level")
    moved = timeline_items(page, "tier").last
    expect(moved).to_contain_text("System")
    expect(moved).to_contain_text("Escalated automatically from 1st Level to 2nd Level")
    details = moved.get_by_test_id("event-details")
    expect(details).to_contain_text("The target “Time at tier” was due at")
    expect(details).to_contain_text(f"and was breached; {RULE_SENTENCE}.")
    expect(moved).to_have_class(re.compile(r"\bis-internal\b"))

    panel_item = page.get_by_test_id("sla-panel").locator(f'li[data-metric="{Metric.TIER_TIME}"]')
    expect(panel_item.get_by_test_id("escalation-rule")).to_contain_text("Rule “Climb on tier time” fired")
    # The move restarted the time at tier for the new level.
    expect(panel_item).to_have_attribute("data-state", "running")
    assert tier_clock(ticket).due_at > before.due_at
    assert Ticket.objects.get(pk=ticket.pk).tier.name == "2nd Level"

    login_as(customer)
    page.goto(url(f"/portal/tickets/{ticket.reference}/"))
    expect(page.get_by_test_id("reference")).to_have_text(ticket.reference)
    body = page.locator("body")
    for internal in ("Climb on tier time", "2nd Level", "was breached", "Escalated automatically"):
        expect(body).not_to_contain_text(internal)
        assert internal not in page.content()  # not even hidden in the markup
    expect(page.get_by_test_id("sla-panel")).to_have_count(0)
    expect(page.get_by_test_id("event-details")).to_have_count(0)


@pytest.mark.browser_context_args(locale="de-DE")
def test_german_agent_reads_the_escalation_in_german(page: Page, url, login_as, fast_sla, climb_rule, agent1, agent2, customer):  # noqa: F811
    fast_sla(2)
    ticket = make_ticket(customer, subject="Mail-Server ausgefallen")
    login_as(agent1)
    page.goto(url(f"/agent/tickets/{ticket.reference}/"))
    expect(page.locator("html")).to_have_attribute("lang", "de")

    before = escalate_when_due(page, ticket, overdue_word="überfällig", min_word=r"Min\.", s_word=r"Sek\.")

    expect(page.get_by_test_id("tier")).to_have_text("2nd Level")
    moved = timeline_items(page, "tier").last
    expect(moved).to_contain_text("Automatisch von 1st Level an 2nd Level eskaliert")
    # The German catalogue is still being polished (e.g. "war um" became "war am"): check the parts
    # that carry meaning, not every word.
    details = moved.get_by_test_id("event-details")
    expect(details).to_have_text(re.compile(r"^Das Ziel „Zeit im Level“ war .* fällig und wurde verletzt; "))
    expect(details).to_contain_text(f" {short_datetime_de(before.due_at)} fällig")  # German date format
    expect(details).to_contain_text("die Regel „Climb on tier time“")
    expect(details).to_contain_text("2nd Level")
    expect(details).not_to_contain_text("was due at")
    expect(page.get_by_test_id("escalation-rule")).to_contain_text("Regel „Climb on tier time“ ausgelöst")
    expect(page.locator("body")).not_to_contain_text(RULE_SENTENCE)


# --- notifications -------------------------------------------------------------------------------


def test_new_tier_lead_is_notified_opens_the_ticket_and_marks_all_read(
    page: Page, url, login_as, fast_sla, climb_rule, tier2, agent1, agent2, customer  # noqa: F811
):
    tier2.lead = agent2
    tier2.save()
    fast_sla(2)
    ticket = make_ticket(customer, subject="Mail server down")
    login_as(agent1)
    page.goto(url(f"/agent/tickets/{ticket.reference}/"))
    escalate_when_due(page, ticket)
    expect(page.get_by_test_id("tier")).to_have_text("2nd Level")
    # Fiona neither holds the ticket nor leads the new tier: nothing for her.
    expect(page.get_by_test_id("unread-count")).to_have_count(0)

    login_as(agent2)
    page.goto(url("/agent/"))
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_test_id("unread-count")).to_have_text("1")
    nav.get_by_role("link", name="Notifications").click()

    expect(page).to_have_url(url("/agent/notifications/"))
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    item = page.locator('li.list-group-item[data-kind="escalated"]')
    expect(item).to_have_count(1)
    expect(item).to_have_class(re.compile(r"\blist-group-item-warning\b"))  # unread
    expect(item).to_contain_text(ticket.reference)
    expect(item).to_contain_text(RULE_SENTENCE)
    item.get_by_role("link", name=re.compile(re.escape(ticket.reference))).click()

    expect(page).to_have_url(url(f"/agent/tickets/{ticket.reference}/"))
    expect(page.get_by_test_id("reference")).to_have_text(ticket.reference)
    expect(page.get_by_test_id("tier")).to_have_text("2nd Level")

    nav.get_by_role("link", name="Notifications").click()
    expect(nav.get_by_test_id("unread-count")).to_have_text("1")  # opening the ticket did not read it
    page.get_by_role("button", name="Mark all as read").click()

    expect(page).to_have_url(url("/agent/notifications/"))
    expect(nav.get_by_test_id("unread-count")).to_have_count(0)
    expect(nav.get_by_role("link", name="Notifications")).to_have_text("Notifications")
    expect(item).to_have_count(1)
    expect(item).not_to_have_class(re.compile(r"\blist-group-item-warning\b"))
    assert not Notification.objects.filter(recipient=agent2, read_at__isnull=True).exists()
