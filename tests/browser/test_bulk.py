"""Bulk changes from the queue in the browser: tick a range with Shift, change the priority of all,
and read which were changed and which were refused and why."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_ticket
from tickets import services
from tickets.models import Priority, Ticket

pytestmark = pytest.mark.browser


def test_an_agent_ticks_a_range_changes_them_and_reads_the_refusal(page: Page, url, login_as, agent1, customer, tiers):
    tickets = [make_ticket(customer, subject=f"Drucker {n}", notify=False) for n in range(4)]
    # One of them went to the 3rd level, where the 1st level may not change the priority.
    services.ticket_move_to_tier(ticket=tickets[1], actor=None, to_tier=tiers[2], reason="", automatic={"test": True})
    login_as(agent1)
    page.goto(url("/agent/?tier=all&ordering=reference"))
    page.get_by_label(f"Select {tickets[0].reference}").check()
    page.get_by_label(f"Select {tickets[2].reference}").click(modifiers=["Shift"])
    for ticket in tickets[:3]:
        expect(page.get_by_label(f"Select {ticket.reference}")).to_be_checked()
    expect(page.get_by_label(f"Select {tickets[3].reference}")).not_to_be_checked()

    page.get_by_test_id("selection-bar").get_by_label("Set priority").select_option(label="High")
    page.get_by_role("button", name="Change", exact=True).click()
    expect(page.get_by_text("2 tickets changed.")).to_be_visible()
    expect(page.get_by_text(f"{tickets[1].reference} not changed:")).to_contain_text("3rd Level")
    priorities = dict(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("reference", "priority"))
    assert [priorities[t.reference] for t in tickets] == [Priority.HIGH, Priority.NORMAL, Priority.HIGH, Priority.NORMAL]


def test_select_all_and_take_them_all(page: Page, url, login_as, agent1, customer, tiers):
    tickets = [make_ticket(customer, subject=f"VPN {n}", notify=False) for n in range(3)]
    login_as(agent1)
    page.goto(url("/agent/"))
    page.get_by_label("Select every ticket on this page").check()
    page.get_by_role("button", name="Take", exact=True).click()
    expect(page.get_by_text("3 tickets changed.")).to_be_visible()
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("assignee", flat=True)) == {agent1.pk}
