"""The helpdesk as people use it: a real Chromium against the live server.

Customers file and follow tickets in the portal; 1st-level agents take, answer, note and escalate
them in the agent workspace; the interface speaks English and German and works on a phone.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_ticket
from tickets import services
from tickets.models import Priority, Profile, Status, Ticket

from .helpers import flash, text_file, timeline_items

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"HD-\d{4}-\d{6,}")


# --- customer portal -----------------------------------------------------------------------------


def test_customer_logs_in_and_files_a_ticket_with_an_attachment(page: Page, url, customer, tiers, category):
    page.goto(url("/"))
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("E-mail address or user name").fill("alice@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="My tickets")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_have_text("Alice Anders")
    page.get_by_role("main").get_by_role("link", name="New ticket").click()

    page.get_by_label("Subject").fill("VPN drops every ten minutes")
    page.get_by_label("Category").select_option(label="Network")
    page.get_by_label("Description").fill("Since Monday the VPN disconnects.\nRestarting the laptop did not help.")
    page.get_by_label("Attachments").set_input_files(text_file("vpn-log.txt", "12:00 tunnel down\n12:10 tunnel down\n"))
    page.get_by_role("button", name="Submit ticket").click()

    reference = page.get_by_test_id("reference")
    expect(reference).to_have_text(REFERENCE)
    ref = reference.inner_text()
    expect(page).to_have_url(url(f"/portal/tickets/{ref}/"))
    expect(flash(page)).to_contain_text(f"Your ticket has been registered under the reference {ref}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("VPN drops every ten minutes")
    expect(page.get_by_test_id("status")).to_have_text("New")
    created = timeline_items(page, "created")
    expect(created).to_contain_text("Restarting the laptop did not help.")
    with page.expect_download() as download:
        created.get_by_role("link", name="vpn-log.txt").click()
    assert download.value.suggested_filename == "vpn-log.txt"
    assert download.value.path().read_bytes() == b"12:00 tunnel down\n12:10 tunnel down\n"

    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="My tickets").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=ref))
    expect(row).to_contain_text("VPN drops every ten minutes")
    expect(row.get_by_test_id("status")).to_have_text("New")

    ticket = Ticket.objects.get(reference=ref)
    assert (ticket.requester, ticket.category, ticket.status) == (customer, category, Status.NEW)
    assert [a.name for a in ticket.attachments.all()] == ["vpn-log.txt"]


def test_new_ticket_form_shows_field_errors_and_keeps_what_was_typed(page: Page, url, login_as, customer, tiers, category):
    login_as(customer)
    page.goto(url("/portal/tickets/new/"))
    subject, description = page.get_by_label("Subject"), page.get_by_label("Description")
    category_select = page.get_by_label("Category")

    # No subject: the error sits at the subject, description and category are still there.
    category_select.select_option(label="Network")
    description.fill("The printer on floor 3 prints blank pages.")
    page.get_by_role("button", name="Submit ticket").click()
    expect(page.locator("#id_subject_error")).to_have_text("This field is required.")
    expect(subject).to_have_attribute("aria-invalid", "true")
    expect(description).to_have_value("The printer on floor 3 prints blank pages.")
    expect(category_select.locator("option:checked")).to_have_text("Network")

    # Then no description (only blanks): the error moves, the subject typed meanwhile stays.
    subject.fill("Blank pages")
    description.fill("   ")
    page.get_by_role("button", name="Submit ticket").click()
    expect(page.locator("#id_description_error")).to_have_text("This field is required.")
    expect(page.locator("#id_subject_error")).to_have_count(0)
    expect(subject).to_have_value("Blank pages")
    expect(category_select.locator("option:checked")).to_have_text("Network")
    assert not Ticket.objects.exists()


def test_customer_cannot_open_another_customers_ticket(page: Page, url, login_as, customer, other_customer, tiers):
    bobs = make_ticket(other_customer, subject="Bob's salary question")
    login_as(customer)

    response = page.goto(url(f"/portal/tickets/{bobs.reference}/"))
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Bob's salary question")

    # A reference that does not exist at all looks exactly the same.
    response = page.goto(url("/portal/tickets/HD-1999-999999/"))
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()


def test_customer_sees_public_reply_but_never_the_internal_note(page: Page, url, login_as, customer, agent1, agent2, ticket):
    services.ticket_take(ticket=ticket, agent=agent1)
    services.ticket_reply(ticket=ticket, author=agent1, body="Please restart the router and tell us if it helps.")
    services.ticket_add_note(ticket=ticket, author=agent1, body="Customer's router firmware is from 2015.")
    services.ticket_escalate(ticket=ticket, actor=agent1, reason="Needs the network team, firmware issue.")
    login_as(customer)

    page.goto(url(f"/portal/tickets/{ticket.reference}/"))
    expect(timeline_items(page, "reply")).to_contain_text("Please restart the router and tell us if it helps.")
    expect(page.get_by_test_id("status")).to_have_text("Open")
    body = page.locator("body")
    for internal in ("router firmware is from 2015", "Needs the network team", "2nd Level"):
        expect(body).not_to_contain_text(internal)
        assert internal not in page.content()  # not even hidden in the markup
    expect(page.locator(".is-internal")).to_have_count(0)
    for kind in ("note", "tier", "assignment"):
        expect(timeline_items(page, kind)).to_have_count(0)

    page.get_by_label("Your reply").fill("Restarted it twice, still no connection.")
    page.get_by_role("button", name="Send reply").click()
    expect(flash(page)).to_contain_text("Your reply has been sent.")
    expect(timeline_items(page, "reply").last).to_contain_text("Restarted it twice, still no connection.")
    expect(timeline_items(page, "reply").last).to_contain_text("Alice Anders")

    page.get_by_role("button", name="My problem is solved").click()
    expect(flash(page)).to_contain_text("The ticket is marked as solved.")
    expect(page.get_by_test_id("status")).to_have_text("Solved")
    expect(page.get_by_role("button", name="My problem is solved")).to_have_count(0)

    page.get_by_role("button", name="Reopen ticket").click()
    expect(flash(page)).to_contain_text("The ticket has been reopened.")
    expect(page.get_by_test_id("status")).to_have_text("Open")
    expect(page.get_by_role("button", name="My problem is solved")).to_be_visible()
    expect(body).not_to_contain_text("router firmware is from 2015")


def test_registration_rejects_mismatched_passwords_then_opens_the_account_from_the_mail(page: Page, url):
    page.goto(url("/accounts/login/"))
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()

    page.get_by_label("First name").fill("Carla")
    page.get_by_label("Last name").fill("Customer")
    page.get_by_label("E-mail address").fill("carla@example.com")
    page.get_by_label(re.compile(r"^Password")).fill("Blue-Kettle-Sings-42")
    page.get_by_label("Repeat password").fill("Blue-Kettle-Sings-43")
    page.get_by_label("I agree that my data is processed as the privacy notice describes.").check()
    page.get_by_role("button", name="Create an account").click()

    expect(page.locator("#id_password2_error")).to_have_text("The two passwords do not match.")
    expect(page.get_by_label("First name")).to_have_value("Carla")
    expect(page.get_by_label("E-mail address")).to_have_value("carla@example.com")
    assert not get_user_model().objects.filter(email="carla@example.com").exists()

    page.get_by_label(re.compile(r"^Password")).fill("Blue-Kettle-Sings-42")
    page.get_by_label("Repeat password").fill("Blue-Kettle-Sings-42")
    page.get_by_role("button", name="Create an account").click()

    # The same answer for every address; the account opens with the link in the mail.
    expect(page).to_have_url(url("/accounts/register/done/"))
    expect(page.get_by_test_id("register-done")).to_be_visible()
    from mailchannel.models import OutboundMessage

    link = re.search(r"http://[^/\s]+(/accounts/register/confirm/\S+/)", OutboundMessage.objects.get().body_text)
    page.goto(url(link.group(1)))
    page.get_by_role("button", name="Open my account").click()

    expect(page).to_have_url(url("/portal/"))
    expect(page.get_by_role("heading", name="My tickets")).to_be_visible()
    expect(flash(page)).to_contain_text("Welcome! Your account has been created.")
    expect(page.get_by_test_id("current-user")).to_have_text("Carla Customer")
    expect(page.get_by_text("You have not filed any tickets yet.")).to_be_visible()
    assert Profile.objects.get(user__email="carla@example.com").language == "en"


# --- agent workspace -----------------------------------------------------------------------------


def test_first_level_agent_takes_answers_notes_and_escalates_a_ticket(page: Page, url, login_as, agent1, agent2, ticket, customer):
    make_ticket(customer, subject="Keyboard missing keys")
    login_as(agent1)

    # The default queue: the open tickets of Fiona's tier.
    page.goto(url("/agent/"))
    expect(page.get_by_role("heading", name="Ticket queue")).to_be_visible()
    expect(page.get_by_test_id("result-count")).to_have_text("2 tickets")
    page.get_by_role("link", name=ticket.reference).click()

    expect(page.get_by_test_id("reference")).to_have_text(ticket.reference)
    expect(page.get_by_test_id("tier")).to_have_text("1st Level")
    expect(page.get_by_test_id("assignee")).to_have_text("unassigned")

    page.get_by_role("button", name="Take ticket").click()
    expect(flash(page)).to_contain_text("You have taken the ticket.")
    expect(page.get_by_test_id("assignee")).to_have_text("Fiona First")

    reply_pane = page.locator("#pane-reply")
    reply_pane.locator("textarea[name=body]").fill("Could you send us a screenshot of the error?")
    reply_pane.get_by_role("button", name="Send reply").click()
    expect(flash(page)).to_contain_text("Your reply has been sent to the customer.")
    expect(timeline_items(page, "reply")).to_contain_text("Could you send us a screenshot of the error?")
    expect(page.get_by_test_id("status")).to_have_text("Open")

    page.get_by_role("tab", name="Internal note").click()
    note_pane = page.locator("#pane-note")
    expect(note_pane).to_be_visible()
    note_pane.locator("textarea[name=body]").fill("Same printer failed last month, see HD-2025-000042.")
    note_pane.get_by_role("button", name="Add internal note").click()
    expect(flash(page)).to_contain_text("The internal note has been added.")
    note = timeline_items(page, "note")
    expect(note).to_contain_text("Same printer failed last month")
    expect(note).to_have_class(re.compile(r"\bis-internal\b"))

    # Escalating needs a reason: without one the page says so and the ticket stays where it is.
    page.get_by_role("button", name="Escalate to 2nd Level").click()
    expect(page.locator("#id_escalate_reason_error")).to_have_text("This field is required.")
    expect(page.get_by_test_id("tier")).to_have_text("1st Level")
    ticket.refresh_from_db()
    assert ticket.tier.level == 1

    page.locator("#id_escalate_reason").fill("Driver reinstall did not help; needs a 2nd-level look at the print server.")
    page.get_by_role("button", name="Escalate to 2nd Level").click()
    expect(flash(page)).to_contain_text("The ticket has been escalated.")
    expect(page.get_by_test_id("tier")).to_have_text("2nd Level")
    tier_event = timeline_items(page, "tier")
    expect(tier_event).to_contain_text("Escalated from 1st Level to 2nd Level")
    expect(tier_event).to_contain_text("needs a 2nd-level look at the print server")
    expect(tier_event).to_have_class(re.compile(r"\bis-internal\b"))
    # Fiona is not in the 2nd level: the ticket waits in its queue, and its actions are the 2nd level's
    # now (she still reads it and adds notes).
    expect(page.get_by_test_id("assignee")).to_have_text("unassigned")
    expect(page.get_by_role("button", name="Send back to 1st Level")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Escalate"))).to_have_count(0)
    expect(page.get_by_role("tab", name="Internal note")).to_be_visible()
    ticket.refresh_from_db()
    assert (ticket.tier.level, ticket.assignee) == (2, None)


@pytest.fixture
def twelve_tickets(customer, agent1, tiers):
    """Nine routine tickets, two urgent ones and one waiting for the customer: twelve open tickets at
    the 1st level, all of normal priority except the two urgent ones."""
    for n in range(1, 10):
        make_ticket(customer, subject=f"Routine request {n}")
    for n in (1, 2):
        make_ticket(customer, subject=f"Server down {n}", priority=Priority.URGENT, actor=agent1)
    waiting = make_ticket(customer, subject="Need your serial number")
    services.ticket_change_status(ticket=waiting, actor=agent1, status=Status.WAITING)


def queue_rows(page: Page):
    return page.locator("table.table-queue tbody tr")


def test_agent_queue_filters_by_priority(page: Page, url, login_as, agent1, twelve_tickets):
    login_as(agent1)
    page.goto(url("/agent/"))
    expect(page.get_by_test_id("result-count")).to_have_text("12 tickets")
    expect(queue_rows(page)).to_have_count(12)

    page.get_by_label("Priority", exact=True).select_option(label="Urgent")
    page.get_by_role("button", name="Filter").click()

    expect(page.get_by_test_id("result-count")).to_have_text("2 tickets")
    expect(queue_rows(page)).to_have_count(2)
    expect(queue_rows(page).filter(has_text="Server down")).to_have_count(2)
    expect(page.get_by_label("Priority", exact=True).locator("option:checked")).to_have_text("Urgent")


def test_agent_queue_pages_through_the_results(page: Page, url, login_as, agent1, twelve_tickets):
    login_as(agent1)
    page.goto(url("/agent/?size=10"))
    expect(queue_rows(page)).to_have_count(10)
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    expect(page.get_by_label("Per page")).to_have_value("10")

    page.get_by_role("link", name="Next").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(queue_rows(page)).to_have_count(2)
    expect(page.get_by_label("Per page")).to_have_value("10")

    page.get_by_role("link", name="Previous").click()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    expect(queue_rows(page)).to_have_count(10)




def test_agent_finds_a_ticket_by_searching_its_reference(page: Page, url, login_as, agent1, ticket, customer):
    make_ticket(customer, subject="Keyboard missing keys")
    login_as(agent1)
    page.goto(url("/agent/"))
    expect(page.get_by_test_id("result-count")).to_have_text("2 tickets")

    page.get_by_label("Search").fill(ticket.reference)
    page.get_by_role("button", name="Filter").click()

    expect(page.get_by_test_id("result-count")).to_have_text("1 ticket")
    expect(page.get_by_role("link", name=ticket.reference)).to_be_visible()
    expect(page.get_by_text("Keyboard missing keys")).to_have_count(0)


def test_agent_queue_form_filters_by_status_and_sets_the_page_size(page: Page, url, login_as, agent1, twelve_tickets):
    login_as(agent1)
    page.goto(url("/agent/"))

    page.get_by_label("Status", exact=True).select_option(label="Waiting for customer")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("result-count")).to_have_text("1 ticket")
    expect(queue_rows(page).first).to_contain_text("Need your serial number")

    page.get_by_role("link", name="Reset").click()
    page.get_by_label("Per page").select_option("10")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("result-count")).to_have_text("12 tickets")
    expect(queue_rows(page)).to_have_count(10)
    page.get_by_role("link", name="Next").click()
    expect(queue_rows(page)).to_have_count(2)


def test_agent_queue_status_open_lists_only_open_tickets(page: Page, url, login_as, agent1, customer, tiers):
    make_ticket(customer, subject="Brand new, nobody answered")
    answered = make_ticket(customer, subject="Answered by an agent")
    services.ticket_reply(ticket=answered, author=agent1, body="We are on it.")  # new -> open
    login_as(agent1)
    page.goto(url("/agent/"))

    page.get_by_label("Status", exact=True).select_option(label="Open")
    page.get_by_role("button", name="Filter").click()

    expect(page.get_by_label("Status", exact=True).locator("option:checked")).to_have_text("Open")
    expect(page.get_by_test_id("result-count")).to_have_text("1 ticket")
    expect(queue_rows(page).first).to_contain_text("Answered by an agent")


def test_every_field_on_the_agent_ticket_page_has_its_own_label(page: Page, url, login_as, agent1, ticket):
    login_as(agent1)
    page.goto(url(f"/agent/tickets/{ticket.reference}/"))
    page.get_by_role("tab", name="Internal note").click()
    note_pane = page.locator("#pane-note")
    expect(note_pane).to_be_visible()

    # Clicking the note's label must put the cursor in the note, never in the public reply.
    note_pane.locator("label", has_text="Internal note").click()
    expect(note_pane.locator("textarea[name=body]")).to_be_focused()
    duplicate_ids = page.evaluate(
        """() => { const seen = {}; document.querySelectorAll("[id]").forEach(e => seen[e.id] = (seen[e.id] || 0) + 1);
                   return Object.keys(seen).filter(id => seen[id] > 1); }"""
    )
    assert duplicate_ids == []


# --- language ------------------------------------------------------------------------------------


@pytest.mark.browser_context_args(locale="de-DE")
def test_german_browser_gets_the_german_interface(page: Page, url, login_as, customer):
    page.goto(url("/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    expect(page.get_by_label("E-Mail-Adresse oder Benutzername")).to_be_visible()
    expect(page.get_by_role("button", name="Anmelden")).to_be_visible()

    login_as(customer)
    page.goto(url("/portal/"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", name="Meine Tickets")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name="Neues Ticket")).to_be_visible()


def test_agent_switches_the_interface_to_german(page: Page, url, login_as, agent1):
    login_as(agent1)
    page.goto(url("/agent/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Ticket queue")).to_be_visible()

    page.locator("#language-select").select_option("de")  # submits the form on change

    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page).to_have_url(url("/agent/"))
    expect(page.locator("#language-select")).to_have_value("de")
    assert Profile.objects.get(user=agent1).language == "de"
    expect(page.get_by_role("heading", name="Ticket-Warteschlange")).to_be_visible()


def test_switching_language_on_a_page_with_a_form_error_stays_on_the_ticket(page: Page, url, login_as, agent1, agent2, ticket):
    login_as(agent1)
    page.goto(url(f"/agent/tickets/{ticket.reference}/"))
    page.get_by_role("button", name="Escalate to 2nd Level").click()
    expect(page.locator("#id_escalate_reason_error")).to_be_visible()

    page.locator("#language-select").select_option("de")

    expect(page).to_have_url(url(f"/agent/tickets/{ticket.reference}/"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_test_id("reference")).to_have_text(ticket.reference)


# --- phone ---------------------------------------------------------------------------------------


@pytest.mark.browser_context_args(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
def test_customer_files_a_ticket_on_a_phone(page: Page, url, login_as, customer, tiers, category):
    login_as(customer)
    page.goto(url("/portal/tickets/new/"))

    nav = page.get_by_role("navigation", name="Main navigation")
    toggler = nav.get_by_role("button", name="Toggle navigation")
    expect(toggler).to_be_visible()
    expect(nav.get_by_role("link", name="My tickets")).to_be_hidden()
    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="My tickets")).to_be_visible()
    expect(nav.get_by_role("link", name="New ticket")).to_be_visible()
    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="My tickets")).to_be_hidden()

    page.get_by_label("Subject").fill("Phone cannot sync mail")
    page.get_by_label("Description").fill("Mail app says 'server unreachable'.")
    page.get_by_role("button", name="Submit ticket").click()
    expect(flash(page)).to_contain_text("Your ticket has been registered under the reference")
    expect(page.get_by_test_id("reference")).to_have_text(REFERENCE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "page scrolls sideways"


def test_a_customer_creates_an_api_token_and_uses_it(page: Page, url, login_as, customer, ticket):
    import requests

    login_as(customer)
    page.goto(url("/portal/"))
    page.get_by_test_id("current-user").click()
    expect(page.get_by_role("heading", name="API token")).to_be_visible()
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_test_id("api-token").input_value()
    response = requests.get(url("/api/v1/tickets/"), headers={"Authorization": f"Token {key}"}, timeout=10)
    assert [t["reference"] for t in response.json()["results"]] == [ticket.reference]
