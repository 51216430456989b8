"""Text modules in the browser: an agent writes one, then in a ticket's reply box types `::` and a
few letters, picks it with the keyboard, edits the inserted text and sends it; the module's changes
go with the reply. A module whose change the ticket refuses keeps the typed reply on the page."""

import pytest
from playwright.sync_api import Page, expect

from macros import services
from tests.factories import CategoryFactory
from tickets.models import EventKind, Priority, Status

from .helpers import flash

pytestmark = pytest.mark.browser


def test_an_agent_writes_a_module_and_sends_it_from_the_reply_box_with_double_colon(
        page: Page, url, login_as, agent1, ticket):
    login_as(agent1)
    page.goto(url("/agent/macros/new/"))
    page.get_by_label("Title (English)").fill("Printer restart")
    page.get_by_label("Text (English)").fill("Hello {customer_first_name}, please restart the printer.")
    page.get_by_label("Set the status to").select_option(label="Waiting for customer")
    page.get_by_label("Set the priority to").select_option(label="High")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_contain_text("The text module has been saved.")
    expect(page.get_by_test_id("macro-list")).to_contain_text("Priority: High")

    page.goto(url(f"/agent/tickets/{ticket.reference}/"))
    reply = page.get_by_role("textbox", name="Public reply")
    reply.click()
    reply.press_sequentially("Thanks. ::print")
    option = page.get_by_role("option", name="Printer restart")
    expect(option).to_be_visible()
    expect(option).to_contain_text("Priority: High")
    reply.press("Enter")
    expect(reply).to_have_value("Thanks. Hello Alice, please restart the printer.")
    expect(page.locator("[data-macro-chosen]")).to_contain_text("Printer restart")
    reply.press_sequentially(" Then tell us.")
    page.get_by_role("button", name="Send reply").click()
    expect(flash(page)).to_contain_text("Your reply has been sent")

    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status) == (Priority.HIGH, Status.WAITING)
    assert ticket.events.get(kind=EventKind.REPLY).body == "Thanks. Hello Alice, please restart the printer. Then tell us."


def test_escape_closes_the_picker_and_typing_stays_plain(page: Page, url, login_as, agent1, ticket):
    services.macro_create(actor=agent1, title_en="Greeting", body_en="Hello!")
    login_as(agent1)
    page.goto(url(f"/agent/tickets/{ticket.reference}/"))
    reply = page.get_by_role("textbox", name="Public reply")
    reply.click()
    reply.press_sequentially("::gr")
    expect(page.get_by_role("option", name="Greeting")).to_be_visible()
    reply.press("Escape")
    expect(page.get_by_role("option", name="Greeting")).to_be_hidden()
    reply.press("Enter")
    expect(reply).to_have_value("::gr\n")


def test_a_refused_change_keeps_the_reply_and_says_why(page: Page, url, login_as, agent1, ticket):
    retired = CategoryFactory(name="Old printers")
    services.macro_create(actor=agent1, title_en="Move to printers", body_en="We look into it.", set_category=retired)
    retired.is_active = False
    retired.save()
    login_as(agent1)
    page.goto(url(f"/agent/tickets/{ticket.reference}/"))
    reply = page.get_by_role("textbox", name="Public reply")
    reply.click()
    reply.press_sequentially("::move")
    expect(page.get_by_role("option", name="Move to printers")).to_be_visible()
    reply.press("Enter")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("alert").first).to_contain_text("no longer in use")
    expect(page.get_by_role("textbox", name="Public reply")).to_have_value("We look into it.")
    assert not ticket.events.filter(kind=EventKind.REPLY).exists()
