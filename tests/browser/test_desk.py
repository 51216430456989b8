"""The 1st level's desk in the browser: a caller is registered as a customer on the spot and her case
filed by phone, the agent sets it aside until a moment to call her back and the queue brings it back
then; a ticket found by the bare number a caller reads out; a customer looked up and corrected; an
address that is known already refused with a link to its customer; a case solved during the call.

The Wiedervorlage moment is not waited for: the test moves the reminder's moment into the past in the
database and runs the sweep (`process_due_reminders`) itself, as the Celery sweep would. Every page
met on the way must fit a 390 px phone screen without scrolling sideways.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from escalation.models import Notification, Reminder
from escalation.reminders import process_due_reminders
from helpdesk.markup import short_datetime
from tests.factories import CustomerFactory, make_ticket
from tickets import services
from tickets.models import Channel, EventKind, Profile, Status, Ticket

from .helpers import flash, timeline_items

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"HD-\d{4}-\d{6,}")


def de_moment(moment) -> str:
    """A moment as the German interface writes it (SHORT_DATETIME_FORMAT in the site's time zone)."""
    with translation.override("de"):
        return short_datetime(moment)


def fits_a_phone(page: Page) -> None:
    """The page as it is now does not scroll sideways on a 390 px wide phone screen. The desktop
    viewport is restored afterwards; on failure the message names the elements that stick out."""
    desktop = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        too_wide = [] if fits else page.evaluate(
            """() => [...document.querySelectorAll("body *")]
                  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
                  .slice(0, 8)
                  .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                            + (typeof e.className === "string" && e.className.trim()
                               ? "." + e.className.trim().split(/\\s+/).join(".") : ""))"""
        )
    finally:
        page.set_viewport_size(desktop)
    assert fits, f"{page.url} scrolls sideways at 390 px; too wide: {too_wide}"


def queue_row(page: Page, reference: str):
    return page.locator("table.table-queue tbody tr").filter(has=page.get_by_role("link", name=reference, exact=True))


# --- a caller is registered and called back ------------------------------------------------------


@pytest.mark.browser_context_args(locale="de-DE")
def test_a_first_level_agent_registers_a_phone_call_and_is_reminded_to_call_back(page: Page, url, login_as, agent1, tiers):
    login_as(agent1)
    page.goto(url("/agent/"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    nav.get_by_role("link", name="Neues Ticket").click()

    expect(page).to_have_url(url("/agent/tickets/new/"))
    expect(page.get_by_role("heading", name="Neues Ticket für einen Kunden")).to_be_visible()
    fits_a_phone(page)
    main = page.get_by_role("main")

    # The caller is not known yet: the search, as the name is typed, finds nobody.
    main.get_by_label("Kunden suchen (Name, E-Mail, Telefon, Organisation)").press_sequentially("Maria Muster", delay=20)
    expect(page.get_by_test_id("no-customer")).to_have_text("Kein Kunde gefunden. Legen Sie den Kunden unten neu an.")
    expect(page.get_by_test_id("customer-results")).to_have_count(0)
    fits_a_phone(page)

    # So she is added on the spot, and her case filed as a phone call.
    main.get_by_label("Name", exact=True).fill("Maria Muster")
    main.get_by_label("Telefon", exact=True).fill("+49 30 1234567")
    main.get_by_label("E-Mail-Adresse", exact=True).fill("maria.muster@example.de")
    main.get_by_label("Organisation", exact=True).fill("Muster GmbH")
    main.get_by_label("Wie ist die Anfrage eingegangen?").select_option(label="Telefon")
    main.get_by_label("Betreff").fill("Drucker druckt nur leere Seiten")
    main.get_by_label("Beschreibung").fill("Seit dem Tonerwechsel kommen alle Seiten leer aus dem Drucker.")
    main.get_by_role("button", name="Ticket erfassen").click()

    # The new reference is on the screen, for the agent to read out to the caller.
    reference = page.get_by_test_id("reference")
    expect(reference).to_have_text(REFERENCE)
    ref = reference.inner_text()
    expect(page).to_have_url(url(f"/agent/tickets/{ref}/"))
    expect(flash(page)).to_contain_text(f"Ticket {ref} wurde erfasst. Nennen Sie dem Kunden diese Ticketnummer.")
    created = timeline_items(page, "created")
    expect(created).to_contain_text("Seit dem Tonerwechsel kommen alle Seiten leer aus dem Drucker.")
    expect(created.get_by_test_id("channel")).to_have_text("Telefon")
    expect(page.get_by_test_id("requester-link")).to_have_text("Maria Muster")
    fits_a_phone(page)
    ticket = Ticket.objects.select_related("requester__profile__organisation").get(reference=ref)
    maria = ticket.requester
    assert (ticket.channel, ticket.tier.level, ticket.subject) == (Channel.PHONE, 1, "Drucker druckt nur leere Seiten")
    assert (maria.get_full_name(), maria.email) == ("Maria Muster", "maria.muster@example.de")
    assert (maria.profile.phone, maria.profile.organisation.name) == ("+49 30 1234567", "Muster GmbH")

    # She will test with a new toner cartridge: the agent sets the ticket aside to call her back.
    call_back = timezone.localtime(timezone.now() + timedelta(minutes=5)).replace(second=0, microsecond=0)
    follow_up = page.get_by_test_id("follow-up")
    follow_up.get_by_label("Wiedervorlage am").fill(f"{call_back:%Y-%m-%dT%H:%M}")
    follow_up.get_by_label("Was ist dann zu tun?").fill("Frau Muster zurückrufen: neuer Toner eingesetzt?")
    follow_up.get_by_label("Bis dahin").select_option(label="Wartet auf Kunden")
    follow_up.get_by_role("button", name="Bis dahin zurücklegen").click()

    expect(flash(page)).to_contain_text(f"Das Ticket kommt am {de_moment(call_back)} zurück in die Warteschlange.")
    expect(page.get_by_test_id("status")).to_have_text("Wartet auf Kunden")
    expect(follow_up).to_contain_text(f"Kommt am {de_moment(call_back)} zurück in die Warteschlange.")
    fits_a_phone(page)
    reminder = Reminder.objects.get(ticket=ticket)
    assert (reminder.due_at, reminder.set_by, reminder.fired_at) == (call_back, agent1, None)

    # The queue (all open tickets of her level, the default) shows when the ticket comes back.
    nav.get_by_role("link", name="Ticket-Warteschlange").click()
    expect(page.get_by_role("heading", name="Ticket-Warteschlange")).to_be_visible()
    expect(page.get_by_label("Status", exact=True).locator("option:checked")).to_have_text("Alle offenen")
    row = queue_row(page, ref)
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("status")).to_have_text("Wartet auf Kunden")
    expect(row.get_by_test_id("follow-up")).to_have_text(de_moment(call_back))
    expect(row.get_by_test_id("follow-up").locator("svg.bi-alarm")).to_have_count(1)
    expect(row.get_by_test_id("follow-up-due")).to_have_count(0)
    fits_a_phone(page)

    # The moment passes (moved into the past rather than waited for) and the sweep runs.
    Reminder.objects.filter(pk=reminder.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    assert process_due_reminders() == 1

    page.reload()
    row = queue_row(page, ref)
    expect(row.get_by_test_id("follow-up-due")).to_have_text("Wiedervorlage fällig")
    expect(row.get_by_test_id("follow-up")).to_have_count(0)
    expect(row.get_by_test_id("status")).to_have_text("Offen")
    expect(nav.get_by_test_id("unread-count")).to_have_text("1")  # Fiona set it: she is told
    fits_a_phone(page)

    row.get_by_role("link", name=ref).click()
    expect(page).to_have_url(url(f"/agent/tickets/{ref}/"))
    expect(page.get_by_test_id("status")).to_have_text("Offen")
    expect(page.get_by_test_id("follow-up")).to_contain_text("Wiedervorlage fällig")
    expect(timeline_items(page, "automation")).to_have_count(2)  # set aside, then due
    set_aside, due_entry = timeline_items(page, "automation").all()
    expect(set_aside.get_by_test_id("event-details")).to_have_text(
        f"Fiona First hat das Ticket auf Wiedervorlage gelegt bis {de_moment(call_back)}: "
        "Frau Muster zurückrufen: neuer Toner eingesetzt?")
    expect(due_entry).to_contain_text("System")
    expect(due_entry.get_by_test_id("event-details")).to_have_text(
        "Wiedervorlage fällig (gesetzt von Fiona First): Frau Muster zurückrufen: neuer Toner eingesetzt?")
    expect(due_entry).to_have_class(re.compile(r"\bis-internal\b"))
    fits_a_phone(page)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert Reminder.objects.get(pk=reminder.pk).fired_at is not None
    assert Notification.objects.filter(recipient=agent1, ticket=ticket, kind="reminder").count() == 1


# --- quick find and the customer page ------------------------------------------------------------


def test_quick_find_jumps_to_a_ticket_by_the_number_the_caller_reads_out(page: Page, url, login_as, agent1, customer, tiers):
    laptop = make_ticket(customer, subject="Laptop will not boot")
    make_ticket(customer, subject="Docking station flickers")
    old = make_ticket(customer, subject="Password expired")
    services.ticket_change_status(ticket=old, actor=agent1, status=Status.SOLVED)
    number = int(laptop.reference.rsplit("-", 1)[1])  # HD-2026-000042 is read out as "42"
    login_as(agent1)
    page.goto(url("/agent/"))
    nav = page.get_by_role("navigation", name="Main navigation")
    quick_find = nav.get_by_label("Find a ticket or customer")

    quick_find.fill(str(number))
    quick_find.press("Enter")
    expect(page).to_have_url(url(f"/agent/tickets/{laptop.reference}/"))
    expect(page.get_by_test_id("reference")).to_have_text(laptop.reference)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Laptop will not boot")

    # A name lists the customer, with the way to her page.
    quick_find.fill("Anders")
    quick_find.press("Enter")
    expect(page.get_by_role("heading", name="Results for “Anders”")).to_be_visible()
    found = page.get_by_test_id("customer-results").get_by_role("listitem")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("Alice Anders")
    expect(found).to_contain_text("alice@example.com")
    fits_a_phone(page)
    found.get_by_role("link", name="Customer page").click()

    expect(page).to_have_url(url(f"/agent/customers/{customer.pk}/"))
    expect(page.get_by_test_id("customer-name")).to_have_text("Alice Anders")
    open_tickets = page.get_by_test_id("open-tickets").get_by_role("listitem")
    expect(open_tickets).to_have_count(2)
    expect(open_tickets.filter(has_text="Laptop will not boot").get_by_role("link", name=laptop.reference)).to_be_visible()
    expect(open_tickets.filter(has_text="Docking station flickers")).to_have_count(1)
    expect(page.get_by_test_id("other-tickets")).to_contain_text("Password expired")
    fits_a_phone(page)

    # She has a new phone number: the agent corrects it there.
    main = page.get_by_role("main")
    main.get_by_label("Phone", exact=True).fill("+49 89 7654321")
    main.get_by_role("button", name="Save").click()
    expect(flash(page)).to_contain_text("The customer's data has been saved.")
    expect(page).to_have_url(url(f"/agent/customers/{customer.pk}/"))
    expect(main.get_by_label("Phone", exact=True)).to_have_value("+49 89 7654321")
    expect(main.get_by_role("textbox", name="Name", exact=True)).to_have_value("Alice Anders")  # label "Name *"
    fits_a_phone(page)
    assert Profile.objects.get(user=customer).phone == "+49 89 7654321"


# --- a known address -----------------------------------------------------------------------------


def test_a_known_address_is_refused_with_a_link_to_the_existing_customer(page: Page, url, login_as, agent1, customer, tiers):
    login_as(agent1)
    page.goto(url("/agent/tickets/new/"))
    main = page.get_by_role("main")
    main.get_by_label("Name", exact=True).fill("Alice Anderson")
    main.get_by_label("E-mail address", exact=True).fill("Alice@Example.com")
    main.get_by_label("Subject").fill("Cannot print")
    main.get_by_label("Description").fill("The printer says 'offline'.")
    main.get_by_role("button", name="Register ticket").click()

    errors = page.get_by_test_id("form-errors")
    expect(errors).to_contain_text("A customer with this e-mail address already exists: Alice Anders.")
    expect(main.get_by_label("Subject")).to_have_value("Cannot print")  # nothing typed is lost
    fits_a_phone(page)
    assert not Ticket.objects.exists()
    assert not Profile.objects.filter(user__first_name="Alice", user__last_name="Anderson").exists()

    errors.get_by_role("link", name="Open the existing customer").click()
    expect(page).to_have_url(url(f"/agent/customers/{customer.pk}/"))
    expect(page.get_by_test_id("customer-name")).to_have_text("Alice Anders")
    expect(page.get_by_role("main").get_by_label("E-mail address", exact=True)).to_have_value("alice@example.com")


# --- solved during the call ----------------------------------------------------------------------


def test_first_contact_resolution(page: Page, url, login_as, agent1, tiers):
    carla = CustomerFactory(username="carla@example.com", first_name="Carla", last_name="Caller")
    login_as(agent1)
    page.goto(url("/agent/tickets/new/"))
    main = page.get_by_role("main")

    main.get_by_label("Find the customer (name, e-mail, phone, organisation)").press_sequentially("Carla", delay=20)
    found = page.get_by_test_id("customer-results").get_by_role("listitem")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("Carla Caller")
    fits_a_phone(page)
    found.get_by_role("link", name="File a ticket for this customer").click()

    expect(page).to_have_url(url(f"/agent/tickets/new/?customer={carla.pk}"))
    expect(page.get_by_test_id("chosen-customer")).to_contain_text("Carla Caller")
    expect(page.get_by_test_id("chosen-customer")).to_contain_text("carla@example.com")
    expect(main.get_by_label("How did the case come in?").locator("option:checked")).to_have_text("Phone")  # the default
    fits_a_phone(page)
    main.get_by_label("Subject").fill("How do I share my calendar?")
    main.get_by_label("Description").fill("Carla wants her team to see her calendar.")
    main.get_by_label("Solved at once (first-contact resolution)").check()
    main.get_by_label("Answer given to the customer").fill("In Outlook: Calendar > Share > add the team.")
    main.get_by_role("button", name="Register ticket").click()

    expect(page.get_by_test_id("reference")).to_have_text(REFERENCE)
    ref = page.get_by_test_id("reference").inner_text()
    expect(flash(page)).to_contain_text(f"Ticket {ref} registered. Give the customer this reference.")
    expect(page.get_by_test_id("status")).to_have_text("Solved")
    expect(page.get_by_test_id("requester-link")).to_have_text("Carla Caller")
    answer = timeline_items(page, "reply")
    expect(answer).to_have_count(1)
    expect(answer).to_contain_text("In Outlook: Calendar > Share > add the team.")
    expect(answer).to_contain_text("Fiona First")
    expect(answer.get_by_test_id("channel")).to_have_text("Phone")
    fits_a_phone(page)
    ticket = Ticket.objects.get(reference=ref)
    assert (ticket.requester, ticket.status, ticket.channel) == (carla, Status.SOLVED, Channel.PHONE)
    assert ticket.events.filter(kind=EventKind.REPLY, actor=agent1).count() == 1


def test_the_ticket_page_shows_the_customers_other_tickets(page: Page, url, login_as, agent1, tiers):
    from tests.factories import CustomerFactory, make_ticket

    karin = CustomerFactory(username="karin@example.de", first_name="Karin", profile__language="de")
    current = make_ticket(karin, subject="Drucker druckt nicht", notify=False)
    other = make_ticket(karin, subject="VPN bricht ab", notify=False)
    login_as(agent1)
    page.goto(url(f"/agent/tickets/{current.reference}/"))
    panel = page.get_by_test_id("customer-tickets")
    expect(panel).to_contain_text("VPN bricht ab")
    panel.get_by_role("link", name=other.reference).click()
    expect(page.get_by_test_id("reference")).to_have_text(other.reference)
