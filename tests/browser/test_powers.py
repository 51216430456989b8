"""The levels' powers as people meet them: a 1st-level agent reads a 3rd-level ticket and notes on it but
is offered nothing else; a tier's lead reviews an article; the 3rd level keeps the categories without
being an admin (categories, escalation rules, SLA targets, schedules), which a 1st-level agent is not
offered."""

from datetime import time, timedelta

import pytest
from playwright.sync_api import Page, expect

from escalation.models import EscalationRule, Metric
from knowledgebase import services as kb_services
from knowledgebase.models import Article, ArticleState
from tests.escalation.conftest import office_hours, policy  # noqa: F401  (fixtures)
from tests.factories import make_agent, make_ticket
from tickets.models import Category, Priority, Ticket

from .helpers import flash, timeline_items

pytestmark = pytest.mark.browser


def test_a_1st_level_agent_is_offered_only_reading_and_notes_on_a_3rd_level_ticket(
        page: Page, url, login_as, agent1, customer, tier3):
    ticket = make_ticket(customer, subject="VPN gateway drops every tunnel")
    Ticket.objects.filter(pk=ticket.pk).update(tier=tier3)
    login_as(agent1)
    page.goto(url(f"/agent/tickets/{ticket.reference}/"))
    expect(page.get_by_test_id("tier")).to_have_text("3rd Level")
    for refused in ("Take ticket", "Send reply", "Set status", "Set priority", "Set category", "Assign"):
        expect(page.get_by_role("button", name=refused)).to_have_count(0)
    expect(page.get_by_role("tab", name="Public reply")).to_have_count(0)
    expect(page.get_by_role("button", name="Send back to 2nd Level")).to_have_count(0)
    page.get_by_role("button", name="Add internal note").click()  # the note pane is the one open
    expect(page.locator("#id_note-body_error, .invalid-feedback").first).to_be_visible()
    page.locator("#pane-note textarea[name=body]").fill("The same customer called about this yesterday.")
    page.get_by_role("button", name="Add internal note").click()
    expect(flash(page)).to_contain_text("The internal note has been added.")
    expect(timeline_items(page, "note")).to_contain_text("called about this yesterday")


def test_a_tiers_lead_reviews_and_publishes_an_article(page: Page, url, login_as, agent1, tier1):
    lead = make_agent(tier1, username="lena.lead", first_name="Lena", last_name="Lead")
    tier1.lead = lead
    tier1.save()
    article = kb_services.article_create(author=agent1, title="Toner warning on a full cartridge",
                                         problem="The printer warns about toner although it is full.",
                                         resolution="Reseat the cartridge and clear the counter.", language="en")
    kb_services.article_submit(article=article, actor=agent1)
    login_as(lead)
    page.goto(url(f"/kb/articles/{article.pk}/"))
    expect(page.get_by_test_id("article-state")).to_have_text("In review")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_test_id("article-state")).to_have_text("Published")
    assert Article.objects.get(pk=article.pk).state == ArticleState.PUBLISHED


def test_the_3rd_level_renames_a_category_in_the_configuration(page: Page, url, login_as, agent3, category):
    login_as(agent3)
    page.goto(url("/agent/"))
    page.get_by_test_id("configuration-link").click()
    page.get_by_role("link", name="Categories").first.click()
    page.get_by_role("link", name=category.name).click()
    page.locator("#id_name_de").fill("Drucker und Scanner")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Category.objects.get(pk=category.pk).name_de == "Drucker und Scanner"


def test_the_3rd_level_adds_an_escalation_rule_in_the_configuration(page: Page, url, login_as, agent3, tier2):
    login_as(agent3)
    page.goto(url("/agent/configuration/"))
    page.get_by_role("link", name="Escalation rules").first.click()
    page.get_by_role("link", name="Add escalation rule").click()
    page.locator("#id_name").fill("Urgent at 1st level goes to the 2nd")
    page.locator("#id_metric").select_option("first_response")
    page.locator("#id_action").select_option("next_tier")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    rule = EscalationRule.objects.get(name="Urgent at 1st level goes to the 2nd")
    assert (rule.metric, rule.action) == ("first_response", "next_tier")


def test_the_3rd_level_shortens_an_sla_target_in_the_configuration(page: Page, url, login_as, agent3, policy):
    login_as(agent3)
    page.goto(url("/agent/configuration/"))
    page.get_by_role("link", name="SLA policies").first.click()
    page.get_by_role("link", name=policy.name).click()
    target = policy.targets.get(metric=Metric.FIRST_RESPONSE, priority=Priority.NORMAL)
    row = page.locator("tr.form-row", has=page.locator(f"input[name$='-id'][value='{target.pk}']"))
    row.locator("input[name$='-duration']").fill("0:30:00")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    target.refresh_from_db()
    assert target.duration == timedelta(minutes=30)


def test_the_3rd_level_moves_the_end_of_a_business_day_in_the_configuration(
        page: Page, url, login_as, agent3, office_hours):
    login_as(agent3)
    page.goto(url("/agent/configuration/"))
    page.get_by_role("link", name="Schedules").first.click()
    page.get_by_role("link", name=office_hours.name).click()
    monday = office_hours.intervals.get(weekday=0, start=time(13))
    row = page.locator("tr.form-row", has=page.locator(f"input[name$='-id'][value='{monday.pk}']"))
    row.locator("input[name$='-end']").fill("18:30")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    monday.refresh_from_db()
    assert monday.end == time(18, 30)


def test_a_1st_level_agent_is_not_offered_the_configuration(page: Page, url, login_as, agent1):
    login_as(agent1)
    page.goto(url("/agent/"))
    expect(page.get_by_test_id("configuration-link")).to_have_count(0)
    answer = page.goto(url("/agent/configuration/"))
    assert answer.status == 403
    expect(page.get_by_role("heading", name="Access denied")).to_be_visible()
