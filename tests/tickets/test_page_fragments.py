"""The ticket page keeps its timeline and its blank action forms as drawn HTML, keyed by what they
are drawn from. Whatever changes a ticket must show on the next view: every change to the timeline
moves `updated_at` (the timeline's key), every change to a field the forms preselect is in theirs."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import CategoryFactory, make_ticket
from tickets import services
from tickets.models import Priority, Status, Ticket


@pytest.fixture
def page(login, agent1, ticket):
    client = login(agent1)
    url = reverse("agent:ticket", kwargs={"reference": ticket.reference})
    return lambda: client.get(url).text


@pytest.fixture
def portal_page(customer, ticket):
    client = Client()  # a browser of its own: the agent's stays logged in
    client.force_login(customer)
    url = reverse("portal:ticket", kwargs={"reference": ticket.reference})
    return lambda: client.get(url).text


CHANGES = {
    "reply": lambda t, agent, tier2: services.ticket_reply(ticket=t, author=agent, body="Reply seen at once"),
    "note": lambda t, agent, tier2: services.ticket_add_note(ticket=t, author=agent, body="Note seen at once"),
    "status": lambda t, agent, tier2: services.ticket_change_status(ticket=t, actor=agent, status=Status.WAITING),
    "priority": lambda t, agent, tier2: services.ticket_change_priority(ticket=t, actor=agent, priority=Priority.URGENT),
    "category": lambda t, agent, tier2: services.ticket_change_category(ticket=t, actor=agent, category=CategoryFactory(name="Fresh")),
    "assign": lambda t, agent, tier2: services.ticket_take(ticket=t, agent=agent),
    "escalate": lambda t, agent, tier2: services.ticket_escalate(ticket=t, actor=agent, reason="Needs the 2nd level"),
    "automation": lambda t, agent, tier2: services.ticket_record_automation(ticket=t, data={"action": "none"}),
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_to_a_ticket_moves_its_timeline_key(change, ticket, agent1, tier2):
    before = Ticket.objects.get(pk=ticket.pk).updated_at
    CHANGES[change](ticket, agent1, tier2)
    assert Ticket.objects.get(pk=ticket.pk).updated_at > before


def test_a_viewed_timeline_shows_the_next_event(page, ticket, agent1):
    assert "Note seen at once" not in page()
    services.ticket_add_note(ticket=ticket, author=agent1, body="Note seen at once")
    assert "Note seen at once" in page()


def test_the_customers_cached_timeline_never_holds_an_internal_note(page, portal_page, ticket, agent1):
    services.ticket_add_note(ticket=ticket, author=agent1, body="Internal only")
    services.ticket_reply(ticket=ticket, author=agent1, body="Public answer")
    assert "Internal only" in page()  # the agent's view is drawn (and kept) first
    html = portal_page()
    assert "Public answer" in html and "Internal only" not in html


def test_the_blank_forms_follow_the_ticket_and_the_option_lists(page, ticket, agent1):
    assert '<option value="2" selected>Normal</option>' in page()
    services.ticket_change_priority(ticket=ticket, actor=agent1, priority=Priority.HIGH)
    html = page()
    assert '<option value="3" selected>High</option>' in html
    CategoryFactory(name="Brand-new category")
    assert "Brand-new category" in page()


def test_the_blank_forms_are_drawn_in_the_readers_language(login, agent1, ticket, page):
    assert "Set priority" in page()
    login(agent1).post(reverse("set_language"), {"language": "de", "next": "/"})
    html = page()
    assert "Priorität setzen" in html and ">Hoch<" in html


def test_a_refused_action_shows_its_own_form_with_the_error(login, agent1, ticket):
    client = login(agent1)
    client.get(reverse("agent:ticket", kwargs={"reference": ticket.reference}))  # blank forms drawn and kept
    response = client.post(reverse("agent:ticket_action", kwargs={"reference": ticket.reference, "action": "escalate"}),
                           {"reason": ""})
    assert response.status_code == 400
    assert 'id="id_escalate_reason_error"' in response.text
    # and the next view shows the blank form again
    html = client.get(reverse("agent:ticket", kwargs={"reference": ticket.reference})).text
    assert 'id="id_escalate_reason_error"' not in html


def test_a_second_ticket_in_the_same_state_gets_its_own_timeline(page, login, agent1, customer, ticket):
    other = make_ticket(customer, subject="Another one", description="Something else entirely.")
    page()
    html = login(agent1).get(reverse("agent:ticket", kwargs={"reference": other.reference})).text
    assert "Something else entirely." in html and "It smells of smoke." not in html
