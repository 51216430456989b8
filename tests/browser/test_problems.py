"""A problem behind many tickets, end to end with a real Celery worker and a real SMTP server: a
3rd-level engineer records it in the browser, links the tickets, publishes the workaround (the worker
answers every ticket and puts it on hold), the customer reads it in the portal and by mail, and the
engineer resolves the problem, which solves the tickets."""

import time

import pytest
from playwright.sync_api import Page, expect

from problems import services
from problems.models import Problem
from tests.conftest import start_celery, stop_celery
from tests.factories import CustomerFactory, make_ticket
from tickets.models import Status, Ticket

from .helpers import flash, timeline_items

pytestmark = pytest.mark.browser


@pytest.fixture
def worker(live_server, private_celery_queue, smtp_outbox, tmp_path, settings):
    settings.HELPDESK_BASE_URL = live_server.url
    proc = start_celery("worker", queue=private_celery_queue, workdir=tmp_path, name="problems", env_extra={
        **smtp_outbox.environ, "HELPDESK_BASE_URL": live_server.url})
    try:
        yield proc
    finally:
        stop_celery(proc)


def wait_for(condition, what, timeout=20):
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, what
        time.sleep(0.2)


def test_an_engineer_groups_tickets_into_a_problem_tells_everyone_the_workaround_and_resolves_it(
        page: Page, url, login_as, agent3, tiers, smtp_outbox, worker):
    anna = CustomerFactory(username="anna@example.com", email="anna@example.com", first_name="Anna", profile__language="de")
    ben = CustomerFactory(username="ben@example.com", email="ben@example.com", first_name="Ben", profile__language="en")
    tickets = [make_ticket(anna, subject="VPN bricht ab", notify=False), make_ticket(ben, subject="VPN drops", notify=False)]

    other = make_ticket(anna, subject="Printer jammed", notify=False)

    # From the queue: tick the two VPN tickets, record a new problem with them.
    login_as(agent3)
    page.goto(url("/agent/?tier=all"))
    for ticket in tickets:
        page.get_by_label(f"Select {ticket.reference}").check()
    page.get_by_role("button", name="New problem from these tickets").click()
    expect(page.locator("#id_tickets")).to_have_value(" ".join(t.reference for t in tickets))
    page.get_by_label("Title").fill("VPN gateway drops tunnels")
    page.get_by_label("Summary for customers (German)").fill("Unser VPN trennt seit einem Update die Verbindung.")
    page.get_by_label("Summary for customers (English)").fill("Our VPN drops connections since an update.")
    page.get_by_label("Workaround (German)").fill("Bitte neu verbinden.")
    page.get_by_label("Workaround (English)").fill("Please reconnect.")
    page.get_by_label("Resolution (German)").fill("Version 5.1.3 ist installiert.")
    page.get_by_label("Resolution (English)").fill("Version 5.1.3 is installed.")
    page.get_by_role("button", name="Record the problem").click()
    expect(flash(page)).to_contain_text("The problem has been recorded.")
    problem = Problem.objects.get()
    expect(page.get_by_test_id("linked-tickets").locator("tbody tr")).to_have_count(2)
    assert not problem.links.filter(ticket=other).exists()

    page.get_by_label("Put the tickets on hold until the fix").check()
    page.get_by_role("button", name="Publish the workaround").click()
    expect(flash(page)).to_contain_text("The workaround is being sent")
    wait_for(lambda: not problem.broadcasts.filter(finished_at__isnull=True).exists(), "the worker answers every ticket")
    page.reload()
    expect(page.get_by_test_id("broadcast-progress")).to_have_count(0)
    expect(page.get_by_test_id("problem-status")).to_have_text("Known error")
    expect(page.get_by_test_id("problem-timeline")).to_contain_text("2 tickets answered, 0 skipped")
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("status", flat=True)) == {Status.ON_HOLD}

    # Each customer, in their own language: in the portal and by mail.
    login_as(anna)
    page.goto(url(f"/portal/tickets/{tickets[0].reference}/"))
    expect(timeline_items(page, "reply")).to_contain_text("Bitte neu verbinden.")
    wait_for(lambda: len(smtp_outbox.messages) >= 2, "two workaround mails")
    bodies = {m.message["To"].addresses[0].addr_spec: m.message.get_body(("plain",)).get_content() for m in smtp_outbox.messages}
    assert "Bitte neu verbinden." in bodies["anna@example.com"]
    assert "Please reconnect." in bodies["ben@example.com"]

    login_as(agent3)
    page.goto(url(f"/agent/problems/{problem.pk}/"))
    page.get_by_role("button", name="Resolve the problem").click()
    wait_for(lambda: set(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("status", flat=True)) == {Status.SOLVED},
             "the tickets are solved")
    page.goto(url(f"/agent/tickets/{tickets[1].reference}/"))
    expect(page.get_by_test_id("ticket-problem")).to_contain_text(problem.reference)
    expect(timeline_items(page, "reply").last).to_contain_text("Version 5.1.3 is installed.")
    expect(timeline_items(page, "reply").last).to_contain_text(f"The resolution of problem {problem.reference}")


def test_an_agent_links_a_ticket_from_its_page(page: Page, url, login_as, agent1, agent3, customer, tiers):
    problem = services.problem_create(actor=agent3, title="Printer driver 7 crashes the spooler")
    ticket = make_ticket(customer, subject="Printing stopped", notify=False)
    login_as(agent1)
    page.goto(url(f"/agent/tickets/{ticket.reference}/"))
    page.get_by_label("Link to a problem").fill(problem.reference)
    page.get_by_role("button", name="Link", exact=True).click()
    expect(flash(page)).to_contain_text(f"The ticket has been linked to {problem.reference}.")
    expect(page.get_by_test_id("ticket-problem")).to_contain_text("Printer driver 7")
    expect(timeline_items(page)).to_contain_text([f"Linked to problem {problem.reference}"])


def test_an_agent_links_the_tickets_ticked_in_the_queue_to_a_problem(page: Page, url, login_as, agent1, agent3, customer, tiers):
    problem = services.problem_create(actor=agent3, title="Mail server rejects attachments")
    first, second = (make_ticket(customer, subject=f"Attachment bounced {n}", notify=False) for n in (1, 2))
    login_as(agent1)
    page.goto(url("/agent/"))
    expect(page.get_by_role("button", name="New problem from these tickets")).to_have_count(0)  # 1st level: link only
    page.get_by_label("Select every ticket on this page").check()
    expect(page.get_by_label(f"Select {first.reference}")).to_be_checked()
    page.get_by_label("Problem", exact=True).fill(problem.reference)
    page.get_by_role("button", name="Link to the problem").click()
    expect(flash(page)).to_contain_text(f"2 tickets linked to {problem.reference}.")
    assert set(problem.links.values_list("ticket__reference", flat=True)) == {first.reference, second.reference}

    # Nothing ticked: a clear word, nothing linked.
    page.get_by_label("Problem", exact=True).fill(problem.reference)
    page.get_by_role("button", name="Link to the problem").click()
    expect(flash(page)).to_contain_text("Tick the tickets to link first.")


def test_the_3rd_level_confirms_a_suggested_group_as_a_problem_and_dismisses_another(
        page: Page, url, login_as, agent3, customer, tiers):
    printers = [make_ticket(customer, subject=s, notify=False) for s in (
        "Printer on floor 2 jams", "Printer on floor 2 jams again", "The printer on floor 2 jams")]
    for subject in ("Invoice PDF is empty", "Invoice PDF is empty today", "Invoice PDF empty"):
        make_ticket(customer, subject=subject, notify=False)
    login_as(agent3)
    page.goto(url("/agent/problems/"))
    page.get_by_role("link", name="Suggested groups").click()
    groups = page.get_by_test_id("candidate")
    expect(groups).to_have_count(2)

    groups.filter(has_text="Invoice PDF").get_by_role("button", name="Dismiss").click()
    expect(flash(page)).to_contain_text("Dismissed")
    expect(groups).to_have_count(1)

    groups.get_by_role("button", name="Record as a problem").click()
    expect(page.get_by_label("Title")).to_have_value(printers[0].subject)
    page.get_by_role("button", name="Record the problem").click()
    expect(flash(page)).to_contain_text("The problem has been recorded.")
    expect(page.get_by_test_id("linked-tickets").locator("tbody tr")).to_have_count(3)
    page.goto(url("/agent/problems/candidates/"))
    expect(page.get_by_test_id("candidate")).to_have_count(0)
