"""A customer with a long history on the agent's customer page: her open and earlier tickets are two
lists, each paged on its own; the agent pages through the earlier ones and back, and through the open
ones, and each list keeps the other's page."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_ticket_history

pytestmark = pytest.mark.browser


def subjects(page: Page, test_id: str):
    return page.get_by_test_id(test_id).get_by_role("listitem")


def test_an_agent_pages_through_a_customers_tickets(page: Page, url, login_as, agent1, customer, tiers):
    make_ticket_history(customer, open_count=27, earlier_count=30)
    login_as(agent1)
    page.goto(url(f"/agent/customers/{customer.pk}/"))

    open_list, earlier_list = subjects(page, "open-tickets"), subjects(page, "other-tickets")
    expect(page.get_by_test_id("open-count")).to_have_text("27 tickets")
    expect(page.get_by_test_id("earlier-count")).to_have_text("30 tickets")
    expect(open_list).to_have_count(25)
    expect(earlier_list).to_have_count(25)
    expect(earlier_list.first).to_contain_text("Case earlier 001")
    expect(earlier_list.last).to_contain_text("Case earlier 025")
    earlier_pages = page.get_by_role("navigation", name="Pages of the earlier tickets")
    expect(earlier_pages).to_contain_text("Page 1 of 2")

    # Page 2 of the earlier tickets shows the older ones; the open list stays on its first page.
    earlier_pages.get_by_role("link", name="Next").click()
    expect(page).to_have_url(url(f"/agent/customers/{customer.pk}/?page=2#earlier-tickets"))
    expect(earlier_list).to_have_count(5)
    expect(earlier_list.first).to_contain_text("Case earlier 026")
    expect(earlier_list.last).to_contain_text("Case earlier 030")
    expect(page.get_by_test_id("other-tickets")).not_to_contain_text("Case earlier 025")
    expect(earlier_pages).to_contain_text("Page 2 of 2")
    expect(earlier_pages.get_by_role("link", name="Next")).to_have_count(0)
    expect(open_list).to_have_count(25)
    expect(open_list.first).to_contain_text("Case open 001")

    # The open tickets page on their own, and the earlier list keeps its page 2.
    page.get_by_role("navigation", name="Pages of the open tickets").get_by_role("link", name="Next").click()
    expect(open_list).to_have_count(2)
    expect(open_list.first).to_contain_text("Case open 026")
    expect(open_list.last).to_contain_text("Case open 027")
    expect(earlier_list.first).to_contain_text("Case earlier 026")

    # And back: a ticket of the first page leads to its ticket page.
    earlier_pages.get_by_role("link", name="Previous").click()
    expect(earlier_list).to_have_count(25)
    expect(open_list.first).to_contain_text("Case open 026")
    earlier_list.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Case earlier 001")).to_be_visible()
