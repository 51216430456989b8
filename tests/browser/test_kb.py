"""The knowledge base as people use it: a customer finds the answer while writing a ticket and files
nothing; an agent turns a solved ticket into an article, a reviewer publishes it and customers find
it; agents answer from an article; German and phone."""

import re

import pytest
from playwright.sync_api import Page, expect

from knowledgebase.models import Article, ArticleLink, ArticleState, Audience, Deflection, LinkKind
from tests.factories import make_ticket
from tests.knowledgebase.conftest import make_article, public_article, reviewer  # noqa: F401  (fixtures)
from tickets import services
from tickets.models import EventKind, Status, Ticket

from .helpers import flash, timeline_items

pytestmark = pytest.mark.browser


def suggestions(page: Page):
    return page.get_by_test_id("kb-suggestions")


# --- customers -----------------------------------------------------------------------------------


def test_customer_sees_a_suggestion_while_typing_and_leaves_without_a_ticket(page: Page, url, login_as, customer, tiers, public_article):  # noqa: F811
    login_as(customer)
    page.goto(url("/portal/tickets/new/"))
    expect(suggestions(page)).to_contain_text("Start typing")

    page.get_by_label("Subject").press_sequentially("VPN disconnects", delay=20)
    link = suggestions(page).get_by_role("link", name=public_article.title)
    expect(link).to_be_visible()
    link.click()

    expect(page).to_have_url(re.compile(rf"/kb/articles/{public_article.pk}/\?from=ticket&q=VPN%20disconnects$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(public_article.title)
    expect(page.get_by_role("heading", name="Resolution")).to_be_visible()
    page.get_by_role("button", name="This solved my problem").click()

    expect(page).to_have_url(url("/portal/"))
    expect(flash(page)).to_contain_text("No ticket has been filed")
    deflection = Deflection.objects.get()
    assert (deflection.article_id, deflection.user, deflection.query) == (public_article.pk, customer, "VPN disconnects")
    assert not Ticket.objects.exists()


def test_customer_who_files_anyway_keeps_the_suggestions_on_the_ticket(page: Page, url, login_as, customer, tiers, public_article):  # noqa: F811
    login_as(customer)
    page.goto(url("/portal/tickets/new/"))
    page.get_by_label("Description").fill("The VPN disconnects, the article did not help.")
    expect(suggestions(page).get_by_role("link", name=public_article.title)).to_be_visible()
    page.get_by_label("Subject").fill("Still disconnected")
    page.get_by_role("button", name="Submit ticket").click()

    expect(flash(page)).to_contain_text("Your ticket has been registered")
    ticket = Ticket.objects.get()
    assert list(ArticleLink.objects.filter(ticket=ticket).values_list("article", "kind")) == [
        (public_article.pk, LinkKind.SUGGESTED)]


def test_a_visitor_finds_an_article_says_it_helped(page: Page, url, public_article):  # noqa: F811
    page.goto(url("/"))
    page.goto(url("/accounts/login/"))
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Knowledge base").click()
    expect(page.get_by_role("heading", name="Knowledge base", level=1)).to_be_visible()
    page.get_by_label("Search the knowledge base").fill("vpn disconnect")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("result-count")).to_have_text("1 article found")
    expect(page.get_by_test_id("article-results").locator("mark").first).to_be_visible()
    page.get_by_role("link", name=public_article.title).click()
    page.get_by_role("button", name="Yes").click()
    expect(flash(page)).to_contain_text("Thank you for your feedback!")
    expect(page.get_by_role("button", name="Yes")).to_have_count(0)
    public_article.refresh_from_db()
    assert public_article.helpful_count == 1


# --- agents and reviewers ------------------------------------------------------------------------


def test_agent_writes_an_article_from_a_solved_ticket_reviewer_publishes_customer_finds_it(
        page: Page, url, login_as, agent2, reviewer, customer, tiers, category):  # noqa: F811
    ticket = make_ticket(customer, subject="Scanner sends empty PDFs", description="Every scan arrives as an empty PDF.",
                         category=category)
    services.ticket_reply(ticket=ticket, author=agent2, body="Switch the scanner to PDF/A.", status=Status.SOLVED)

    login_as(agent2)
    page.goto(url(f"/agent/tickets/{ticket.reference}/"))
    page.get_by_role("button", name="Create article from this ticket").click()

    expect(page.get_by_role("heading", name="Edit article")).to_be_visible()
    expect(flash(page)).to_contain_text("A draft has been created from the ticket")
    expect(page.get_by_label("Title")).to_have_value("Scanner sends empty PDFs")
    expect(page.get_by_label("Problem")).to_have_value("Every scan arrives as an empty PDF.")
    page.get_by_label("Cause", exact=True).fill("The scanner firmware writes PDF 1.7 that the mail gateway strips.")
    page.get_by_label("Resolution").fill("Open the scanner menu.\nSet the file format to PDF/A.\nScan again.")
    page.get_by_label("Explanation for customers").fill("Your scanner needs a different PDF setting.")
    page.get_by_label("Audience").select_option(Audience.PUBLIC)
    page.get_by_label("Change note").fill("Steps added")
    page.get_by_role("button", name="Save changes").click()

    expect(flash(page)).to_contain_text("The article has been saved.")
    expect(page.get_by_test_id("article-state")).to_have_text("Draft")
    page.get_by_role("button", name="Submit for review").click()
    expect(flash(page)).to_contain_text("submitted for review")
    expect(page.get_by_test_id("article-state")).to_have_text("In review")
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)  # not by its own author
    article = Article.objects.get()
    assert ArticleLink.objects.filter(ticket=ticket, article=article, kind=LinkKind.CREATED).exists()

    login_as(reviewer)
    page.goto(url("/kb/"))
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name="Scanner sends empty PDFs").click()
    page.get_by_role("button", name="Publish").click()
    expect(flash(page)).to_contain_text("The article has been published.")
    expect(page.get_by_test_id("article-state")).to_have_text("Published")

    login_as(customer)
    page.goto(url("/kb/"))
    page.get_by_label("Search the knowledge base").fill("scanner PDF")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Scanner sends empty PDFs").click()
    expect(page.get_by_text("Set the file format to PDF/A.")).to_be_visible()
    expect(page.get_by_text("Your scanner needs a different PDF setting.")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Linked tickets")
    article.refresh_from_db()
    assert article.state == ArticleState.PUBLISHED and article.versions.count() == 2


def test_reviewer_sends_an_article_back_with_a_comment(page: Page, url, login_as, make_article, reviewer, agent3):  # noqa: F811
    article = make_article(title="Printer queue stuck", state=ArticleState.REVIEW)
    login_as(reviewer)
    page.goto(url(f"/kb/articles/{article.pk}/"))
    page.get_by_role("button", name="Send back to the author").click()
    expect(page.locator("#id_send_back_comment_error")).to_be_visible()
    expect(page.get_by_test_id("article-state")).to_have_text("In review")
    page.get_by_label("What should the author change?").fill("Name the printer model.")
    page.get_by_role("button", name="Send back to the author").click()
    expect(flash(page)).to_contain_text("sent back")

    login_as(agent3)
    page.goto(url(f"/kb/articles/{article.pk}/"))
    expect(page.get_by_test_id("article-state")).to_have_text("Draft")
    expect(page.get_by_text("Name the printer model.")).to_be_visible()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Title").fill("")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#id_title_error")).to_be_visible()
    expect(page.get_by_label("Resolution")).to_have_value(article.resolution)
    page.get_by_label("Title").fill("HP 400 printer queue stuck")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("link", name=re.compile(r"2 versions")).click()
    expect(page.get_by_test_id("diff").locator('[data-kind="add"]')).to_have_text("+HP 400 printer queue stuck")


def test_agent_answers_a_ticket_from_a_suggested_article(page: Page, url, login_as, agent1, customer, tiers, public_article):  # noqa: F811
    ticket = make_ticket(customer, subject="VPN disconnects all the time", description="Every few minutes.")
    login_as(agent1)
    page.goto(url(f"/agent/tickets/{ticket.reference}/"))
    panel = page.get_by_test_id("kb-panel")
    expect(panel.get_by_role("link", name=public_article.title)).to_be_visible()
    panel.get_by_role("button", name=f"Use in reply: {public_article.title}").click()

    reply = page.get_by_role("textbox", name="Public reply")
    expect(reply).to_have_value(re.compile(re.escape(public_article.resolution)))
    expect(page.get_by_test_id("linked-articles")).to_contain_text(public_article.title)
    page.get_by_role("button", name="Send reply").click()
    expect(flash(page)).to_contain_text("Your reply has been sent to the customer.")
    expect(timeline_items(page, "reply")).to_contain_text(public_article.resolution)
    assert ticket.events.filter(kind=EventKind.REPLY, body__contains=public_article.resolution).exists()
    assert ArticleLink.objects.filter(ticket=ticket, article=public_article, kind=LinkKind.USED).exists()


def test_agent_search_also_lists_solved_tickets(page: Page, url, login_as, agent1, customer, tiers):
    ticket = make_ticket(customer, subject="Beamer shows no picture", description="HDMI cable plugged in.")
    services.ticket_reply(ticket=ticket, author=agent1, body="Press the source button.", status=Status.SOLVED)
    login_as(agent1)
    page.goto(url("/kb/?q=beamer"))
    solved = page.get_by_test_id("solved-tickets")
    solved.get_by_role("link", name=ticket.reference).click()
    expect(page.get_by_test_id("reference")).to_have_text(ticket.reference)


# --- German and phone ----------------------------------------------------------------------------


@pytest.mark.browser_context_args(locale="de-DE")
def test_german_browser_gets_the_knowledge_base_in_german(page: Page, url, public_article):  # noqa: F811
    page.goto(url("/kb/"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("link", name="Anmelden")).to_be_visible()  # the layout is translated already
    # Both languages are offered: an English article is listed for a German visitor.
    expect(page.get_by_role("link", name=public_article.title)).to_be_visible()


@pytest.mark.browser_context_args(locale="de-DE")
def test_german_browser_gets_german_knowledge_base_labels(page: Page, url, public_article):  # noqa: F811
    page.goto(url("/kb/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Wissens"), timeout=1_000)
    expect(page.get_by_role("button", name=re.compile(r"^Such"))).to_be_visible(timeout=1_000)
    page.goto(url(f"/kb/articles/{public_article.pk}/"))
    expect(page.get_by_role("heading", name="Lösung")).to_be_visible(timeout=1_000)
    expect(page.get_by_role("heading", name="War das hilfreich?")).to_be_visible(timeout=1_000)


@pytest.mark.browser_context_args(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
def test_the_knowledge_base_works_on_a_phone(page: Page, url, login_as, customer, tiers, public_article):  # noqa: F811
    login_as(customer)
    page.goto(url("/portal/tickets/new/"))
    page.get_by_label("Subject").fill("VPN disconnects")
    expect(suggestions(page).get_by_role("link", name=public_article.title)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "page scrolls sideways"

    nav = page.get_by_role("navigation", name="Main navigation")
    nav.get_by_role("button", name="Toggle navigation").click()
    nav.get_by_role("link", name="Knowledge base").click()
    page.get_by_label("Search the knowledge base").fill("VPN")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=public_article.title).click()
    expect(page.get_by_role("heading", name="Did this help?")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "page scrolls sideways"
