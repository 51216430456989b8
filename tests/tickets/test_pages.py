"""Portal and agent pages: who may open what, what a form does with bad input, and the query budget."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tickets import services
from tickets.models import EventKind, Status, Ticket
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def portal_url(ticket, name="ticket"):
    return reverse(f"portal:{name}", kwargs={"reference": ticket.reference})


def agent_url(ticket, action=None):
    if action:
        return reverse("agent:ticket_action", kwargs={"reference": ticket.reference, "action": action})
    return reverse("agent:ticket", kwargs={"reference": ticket.reference})


# --- who may open what ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/portal/", "/portal/tickets/new/", "/agent/"])
def test_anonymous_visitors_are_sent_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


def test_anonymous_visitors_cannot_open_a_ticket(client, ticket):
    for url in (portal_url(ticket), agent_url(ticket)):
        assert client.get(url).status_code == 302


def test_the_start_page_leads_each_role_to_its_workspace(client, login, customer, agent1):
    assert client.get("/").url == reverse("login")
    assert login(customer).get("/").url == reverse("portal:tickets")
    assert login(agent1).get("/").url == reverse("agent:queue")


def test_a_customer_sees_their_ticket_and_not_anothers(login, ticket, other_customer, customer):
    assert login(customer).get(portal_url(ticket)).status_code == 200
    client = login(other_customer)
    assert client.get(portal_url(ticket)).status_code == 404
    assert client.post(portal_url(ticket, "ticket_reply"), {"body": "mine now"}).status_code == 404
    assert client.post(portal_url(ticket, "ticket_status"), {"status": "solved"}).status_code == 404
    assert ticket.events.count() == 1


def test_a_customers_list_shows_only_their_own_tickets(login, ticket, other_customer, tiers):
    theirs = make_ticket(other_customer, subject="Bob's VPN")
    response = login(other_customer).get("/portal/")
    assert theirs.reference in response.text
    assert ticket.reference not in response.text


def test_customers_cannot_open_agent_pages(login, customer, ticket):
    client = login(customer)
    assert client.get("/agent/").status_code == 403
    assert client.get(agent_url(ticket)).status_code == 403
    assert client.post(agent_url(ticket, "note"), {"body": "sneaky"}).status_code == 403
    assert not ticket.events.filter(kind=EventKind.NOTE).exists()


def test_agents_landing_in_the_portal_are_taken_to_the_agent_page(login, agent1, ticket):
    assert login(agent1).get(portal_url(ticket)).url == agent_url(ticket)


def test_any_agent_reads_any_ticket_solved_ones_included(login, ticket, agent3, customer):
    services.ticket_change_status(ticket=ticket, actor=customer, status=Status.SOLVED)
    assert login(agent3).get(agent_url(ticket)).status_code == 200


def test_admins_work_in_the_agent_workspace(login, admin_user, ticket):
    assert login(admin_user).get(agent_url(ticket)).status_code == 200
    assert ticket.reference in login(admin_user).get("/agent/").text


def test_an_unknown_ticket_is_404(login, agent1, tiers):
    assert login(agent1).get("/agent/tickets/HD-2000-999999/").status_code == 404


def test_an_unknown_action_is_404(login, agent1, ticket):
    assert login(agent1).post(agent_url(ticket, "explode"), {}).status_code == 404


def test_actions_need_post(login, agent1, ticket):
    assert login(agent1).get(agent_url(ticket, "note")).status_code == 405


def test_posts_without_csrf_token_are_refused(customer, tiers):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    response = client.post("/portal/tickets/new/", {"subject": "s", "description": "d"})
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


# --- customer portal --------------------------------------------------------------------------------


def test_filing_a_ticket_shows_its_reference(login, customer, category, tiers):
    response = login(customer).post(
        "/portal/tickets/new/",
        {"subject": "Printer jam", "description": "Page 3 is stuck.", "category": category.pk},
        follow=True,
    )
    ticket = Ticket.objects.get()
    assert response.redirect_chain[-1][0] == portal_url(ticket)
    assert f"registered under the reference {ticket.reference}" in response.text
    assert ticket.category == category


def test_an_empty_subject_is_refused_and_the_description_kept(login, customer, tiers):
    response = login(customer).post("/portal/tickets/new/", {"subject": "", "description": "Keep me"})
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert "Keep me" in response.text
    assert Ticket.objects.count() == 0


def test_a_huge_subject_is_refused(login, customer, tiers):
    response = login(customer).post("/portal/tickets/new/", {"subject": "x" * 5000, "description": "d"})
    assert "Ensure this value has at most 200 characters" in response.text
    assert Ticket.objects.count() == 0


def test_an_unknown_category_is_refused(login, customer, tiers):
    response = login(customer).post("/portal/tickets/new/", {"subject": "s", "description": "d", "category": 999999})
    assert "Select a valid choice" in response.text
    assert Ticket.objects.count() == 0


def test_an_oversize_attachment_is_refused_and_the_text_kept(login, customer, tiers, settings):
    settings.HELPDESK_MAX_ATTACHMENT_BYTES = 1024
    upload = SimpleUploadedFile("huge.zip", b"0" * 2048)
    response = login(customer).post(
        "/portal/tickets/new/", {"subject": "Keep subject", "description": "d", "attachments": [upload]}
    )
    assert "The file “huge.zip” is 2.0\xa0KB; a file may be at most 1.0\xa0KB." in response.text
    assert 'value="Keep subject"' in response.text
    assert Ticket.objects.count() == 0


def test_the_customer_replies_and_marks_solved_then_reopens(login, customer, ticket):
    client = login(customer)
    client.post(portal_url(ticket, "ticket_reply"), {"body": "More details"})
    client.post(portal_url(ticket, "ticket_status"), {"status": "solved"})
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED

    client.post(portal_url(ticket, "ticket_status"), {"status": "open"})
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_a_customer_cannot_set_any_other_status(login, customer, ticket):
    response = login(customer).post(portal_url(ticket, "ticket_status"), {"status": "closed"})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_an_empty_reply_is_refused(login, customer, ticket):
    response = login(customer).post(portal_url(ticket, "ticket_reply"), {"body": "  "})
    assert response.status_code == 400
    assert ticket.events.count() == 1


def test_the_customer_never_sees_internal_notes(login, customer, ticket, agent1, agent2):
    services.ticket_add_note(ticket=ticket, author=agent1, body="SECRET-NOTE-TEXT")
    services.ticket_escalate(ticket=ticket, actor=agent1, reason="SECRET-ESCALATION-REASON")
    services.ticket_reply(ticket=ticket, author=agent2, body="Public answer")

    page = login(customer).get(portal_url(ticket)).text
    assert "Public answer" in page
    assert "SECRET-NOTE-TEXT" not in page
    assert "SECRET-ESCALATION-REASON" not in page


# --- agent workspace --------------------------------------------------------------------------------


def test_the_queue_shows_the_agents_tier_by_default_and_any_tier_on_request(login, agent2, ticket, tier2, agent1, customer):
    upper = make_ticket(customer, subject="Upstairs")
    services.ticket_escalate(ticket=upper, actor=agent1, reason="r")
    client = login(agent2)

    default = client.get("/agent/").text
    assert upper.reference in default and ticket.reference not in default
    everything = client.get("/agent/?tier=all").text
    assert upper.reference in everything and ticket.reference in everything


def test_the_queue_filters_by_text_reference_priority_and_assignee(login, agent1, customer, tiers):
    printer = make_ticket(customer, subject="Printer jam")
    vpn = make_ticket(customer, subject="VPN down")
    services.ticket_change_priority(ticket=vpn, actor=agent1, priority=4)
    services.ticket_take(ticket=printer, agent=agent1)
    client = login(agent1)

    def shown(query):
        page = client.get("/agent/?" + query).text
        return {t.reference for t in (printer, vpn) if t.reference in page}

    assert shown("q=printer") == {printer.reference}
    assert shown(f"q={vpn.reference}") == {vpn.reference}
    assert shown("priority=4") == {vpn.reference}
    assert shown(f"assignee={agent1.pk}") == {printer.reference}
    assert shown("unassigned=true") == {vpn.reference}
    assert shown("status=solved") == set()


def test_bad_queue_filters_get_a_clear_400(login, agent1, tiers):
    response = login(agent1).get("/agent/?priority=9&tier=nope")
    assert response.status_code == 400
    assert "Select a valid choice" in response.text


def test_an_agent_replies_notes_and_escalates(login, agent1, ticket, tier2):
    client = login(agent1)
    client.post(agent_url(ticket, "reply"), {"body": "We are on it", "status": "waiting"})
    client.post(agent_url(ticket, "note"), {"body": "Looks like a driver issue"})
    client.post(agent_url(ticket, "escalate"), {"reason": "Driver bug, needs 2nd level"})

    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING
    assert ticket.tier == tier2
    assert list(ticket.events.values_list("kind", flat=True)) == [
        "created", "reply", "status", "note", "tier",
    ]


def test_escalating_without_a_reason_shows_the_error_and_moves_nothing(login, agent1, ticket, tier1):
    response = login(agent1).post(agent_url(ticket, "escalate"), {"reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.text
    ticket.refresh_from_db()
    assert ticket.tier == tier1


def test_a_refused_service_call_shows_its_message_and_keeps_the_text(login, agent1, agent2, ticket):
    response = login(agent1).post(agent_url(ticket, "assign"), {"assignee": agent2.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.text  # agent2 is not offered: not in the 1st level


def test_taking_a_ticket_assigns_it(login, agent1, ticket):
    login(agent1).post(reverse("agent:ticket_take", kwargs={"reference": ticket.reference}))
    ticket.refresh_from_db()
    assert ticket.assignee == agent1


def test_an_agent_outside_the_tier_is_told_why_they_cannot_take_it(login, agent2, ticket):
    response = login(agent2).post(reverse("agent:ticket_take", kwargs={"reference": ticket.reference}), follow=True)
    assert "is not a member of 1st Level" in response.text
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_the_agent_sees_the_whole_timeline(login, agent2, ticket, agent1):
    services.ticket_add_note(ticket=ticket, author=agent1, body="Note for the next level")
    services.ticket_escalate(ticket=ticket, actor=agent1, reason="Too deep for 1st level")
    page = login(agent2).get(agent_url(ticket)).text
    assert "Note for the next level" in page
    assert "Too deep for 1st level" in page
    assert "Escalated from 1st Level to 2nd Level" in page


def test_the_german_interface(client, customer, ticket):
    client.force_login(customer)
    page = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="de").text
    assert '<html lang="de">' in page
    assert "Meine Tickets" in page


def test_switching_language_is_remembered_in_the_profile(login, customer):
    client = login(customer)
    client.post(reverse("set_language"), {"language": "de", "next": "/portal/"})
    customer.profile.refresh_from_db()
    assert customer.profile.language == "de"
    assert "Meine Tickets" in client.get("/portal/").text


# --- query budget -----------------------------------------------------------------------------------


def _many_tickets(customer, agent1, n):
    for i in range(n):
        t = make_ticket(customer, subject=f"Ticket {i}")
        if i % 2:
            services.ticket_take(ticket=t, agent=agent1)


@pytest.mark.parametrize("size", [10, 100])
def test_the_agent_queue_costs_the_same_queries_for_any_page_size(login, agent1, customer, tiers, size, django_assert_max_num_queries):
    _many_tickets(customer, agent1, 30)
    client = login(agent1)
    client.get("/agent/?size=10")  # fills the caches: option lists, permission holders
    # user, memberships, count, problems to link, tickets, people's names, notifications (+ session, savepoints)
    with django_assert_max_num_queries(9):
        response = client.get(f"/agent/?size={size}&tier=all")
    assert response.status_code == 200


@pytest.mark.parametrize("size", [10, 100])
def test_the_portal_list_costs_the_same_queries_for_any_page_size(login, customer, agent1, tiers, size, django_assert_max_num_queries):
    _many_tickets(customer, agent1, 30)
    client = login(customer)
    with django_assert_max_num_queries(8):
        assert client.get(f"/portal/?size={size}").status_code == 200


def test_the_ticket_page_costs_the_same_queries_however_long_the_timeline(login, agent1, ticket, django_assert_max_num_queries):
    for i in range(20):
        services.ticket_add_note(ticket=ticket, author=agent1, body=f"note {i}")
    client = login(agent1)
    # 12 for the ticket page, 7 for its knowledge-base card: the agent's level and review permission
    # (3), suggested articles (German, English, typo fallback: 3) and the linked articles (1).
    with django_assert_max_num_queries(12):
        assert client.get(agent_url(ticket)).status_code == 200


def test_a_huge_result_is_counted_only_up_to_the_cap(login, agent1, customer, tiers, monkeypatch):
    from helpdesk.web.pagination import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "cap", 5)
    for i in range(7):
        make_ticket(customer, subject=f"T{i}")
    page = login(agent1).get("/agent/?size=10").text
    assert "More than 5 tickets" in page


def test_the_status_form_changes_nothing_until_a_status_is_chosen(login, agent1, ticket):
    client = login(agent1)
    page = client.get(agent_url(ticket)).text
    form = page[page.index('id="id_status_status"'):]
    form = form[:form.index("</select>")]
    assert '<option value="" selected>' in form
    response = client.post(agent_url(ticket, "status"), {"status": ""})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_filing_a_ticket_in_the_portal_reads_the_customers_profile_once(login, customer, tiers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(customer)
    with CaptureQueriesContext(connection) as statements:
        response = client.post("/portal/tickets/new/", {"subject": "Drucker druckt nicht", "description": "Seit heute."})
    assert response.status_code == 302
    profile_reads = [q for q in statements.captured_queries if q["sql"].startswith('SELECT "tickets_profile"')]
    assert len(profile_reads) == 1, [q["sql"][:120] for q in profile_reads]


def test_the_ticket_page_shows_the_customers_other_tickets_beside_it(login, agent1, customer, tiers,
                                                                    django_assert_max_num_queries):
    from tests.factories import make_ticket
    from tickets.models import Status

    current = make_ticket(customer, subject="Current case", notify=False)
    other_open = make_ticket(customer, subject="Other open case", notify=False)
    earlier = make_ticket(customer, subject="Earlier case", notify=False)
    services.ticket_change_status(ticket=earlier, actor=agent1, status=Status.CLOSED)
    client = login(agent1)
    assert f'hx-get="/agent/tickets/{current.reference}/customer-tickets/"' in client.get(
        f"/agent/tickets/{current.reference}/").content.decode()
    client.get(f"/agent/tickets/{current.reference}/customer-tickets/")
    with django_assert_max_num_queries(4):  # the signed-in user, the ticket, its other open ones, its earlier ones
        panel = client.get(f"/agent/tickets/{current.reference}/customer-tickets/").content.decode()
    assert "Other open case" in panel and "Earlier case" in panel and "Current case" not in panel
    german = client.get(f"/agent/tickets/{current.reference}/customer-tickets/", HTTP_ACCEPT_LANGUAGE="de")
    assert "Die anderen Tickets des Kunden" in german.content.decode()


def test_customers_do_not_get_the_panel_of_other_tickets(login, customer, ticket):
    assert login(customer).get(f"/agent/tickets/{ticket.reference}/customer-tickets/").status_code == 403
