"""German in the browser where the texts are built in code: the queue's sort menu, the upload hints,
the SLA countdown's units, category and tier names."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import CategoryFactory, make_ticket
from tickets.models import Tier

pytestmark = pytest.mark.browser


@pytest.mark.browser_context_args(locale="de-DE")
def test_the_queue_sorts_in_german_and_names_tiers_and_categories_in_german(page: Page, url, login_as, agent1, customer):
    Tier.objects.filter(level=1).update(name_de="1. Level")
    billing = CategoryFactory(name="Billing", name_de="Abrechnung")
    make_ticket(customer, subject="Rechnung doppelt", category=billing)
    login_as(agent1)
    page.goto(url("/agent/"))
    expect(page.locator("html")).to_have_attribute("lang", "de")

    sort = page.get_by_label("Sortieren nach")
    options = sort.locator("option").all_inner_texts()
    assert "Letzte Änderung (absteigend)" in options
    assert "Nächste SLA-Frist (absteigend)" in options
    assert not [o for o in options if "descending" in o or "Next breach" in o or "Last update" in o]
    sort.select_option(label="Erstellt (absteigend)")
    expect(sort).to_have_value("-created")

    row = page.get_by_role("row").filter(has_text="Rechnung doppelt")
    expect(row).to_contain_text("Abrechnung")
    expect(row).to_contain_text("1. Level")
    expect(page.get_by_role("columnheader", name="Nächste SLA-Frist")).to_be_visible()


@pytest.mark.browser_context_args(locale="de-DE")
def test_upload_hints_are_german_with_a_german_number(page: Page, url, login_as, customer, tiers):
    login_as(customer)
    page.goto(url("/portal/tickets/new/"))
    expect(page.get_by_text("Bis zu 5 Dateien, jeweils höchstens 10,0 MB.")).to_be_visible()
    expect(page.get_by_text(re.compile("Up to|each at most"))).to_have_count(0)
