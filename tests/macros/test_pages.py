"""The text module pages, the picker the reply box asks, and the reply form sending a module."""

import pytest

from macros.models import Macro, Scope
from tickets.models import EventKind, Priority, Status

pytestmark = pytest.mark.django_db


def test_an_agent_writes_a_module_on_the_form(login, agent1):
    client = login(agent1)
    assert client.get("/agent/macros/new/").status_code == 200
    response = client.post("/agent/macros/new/", {"title_en": "Restart", "title_de": "Neustart", "body_en": "Please restart.",
                                                 "scope": Scope.PERSONAL, "set_status": Status.WAITING})
    assert response.status_code == 302
    macro = Macro.objects.get()
    assert (macro.owner, macro.set_status, macro.title_de) == (agent1, Status.WAITING, "Neustart")
    assert "Restart" in client.get("/agent/macros/").content.decode()


def test_the_form_shows_what_is_wrong_and_keeps_what_was_typed(login, agent1):
    response = login(agent1).post("/agent/macros/new/", {"title_en": "Greeting", "body_en": "Hi {kunde}", "scope": "personal"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Unknown placeholder" in page and "Hi {kunde}" in page


def test_a_scope_the_agent_may_not_choose_is_not_offered_nor_accepted(login, agent1):
    client = login(agent1)
    assert 'value="global"' not in client.get("/agent/macros/new/").content.decode()
    response = client.post("/agent/macros/new/", {"title_en": "All", "body_en": "x", "scope": "global"})
    assert response.status_code == 400 and not Macro.objects.exists()


def test_another_agents_module_cannot_be_edited_or_deleted(login, agent1, tier1, make_macro):
    from tests.factories import make_agent

    theirs = make_macro(make_agent(tier1, username="colleague"))
    client = login(agent1)
    assert client.get(f"/agent/macros/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/agent/macros/{theirs.pk}/delete/").status_code == 404
    assert Macro.objects.filter(pk=theirs.pk).exists()


def test_customers_do_not_reach_the_pages(login, customer):
    assert login(customer).get("/agent/macros/").status_code == 403


def test_the_picker_answers_the_matching_modules_with_the_text_for_the_ticket(login, agent1, ticket, make_macro):
    make_macro(agent1, title="Printer restart", set_priority=Priority.HIGH)
    make_macro(agent1, title="Password reset", body="Reset it, {customer_name}.")
    response = login(agent1).get(f"/agent/macros/picker/{ticket.reference}/?q=pass")
    assert response.status_code == 200
    (found,) = response.json()["macros"]
    assert (found["title"], found["text"], found["changes"]) == ("Password reset", "Reset it, Alice Anders.", [])


def test_the_picker_keeps_its_answers_to_a_constant_number_of_queries(login, agent1, ticket, make_macro,
                                                                       django_assert_max_num_queries):
    client = login(agent1)
    make_macro(agent1, title="One")
    client.get(f"/agent/macros/picker/{ticket.reference}/")
    for number in range(15):
        make_macro(agent1, title=f"Module {number}")
    with django_assert_max_num_queries(4):
        assert len(client.get(f"/agent/macros/picker/{ticket.reference}/").json()["macros"]) == 16


def test_the_reply_form_sends_the_chosen_module_with_its_changes(login, agent1, ticket, make_macro):
    macro = make_macro(agent1, set_priority=Priority.HIGH, set_status=Status.WAITING)
    response = login(agent1).post(f"/agent/tickets/{ticket.reference}/reply/",
                                  {"body": "Please restart the printer (edited).", "macro": macro.pk})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status) == (Priority.HIGH, Status.WAITING)
    assert ticket.events.get(kind=EventKind.REPLY).body == "Please restart the printer (edited)."


def test_a_refused_module_keeps_the_reply_on_the_page_and_sends_nothing(login, agent1, ticket, make_macro):
    from tests.factories import CategoryFactory

    retired = CategoryFactory(name="Retired")
    macro = make_macro(agent1, set_category=retired)
    retired.is_active = False
    retired.save()
    response = login(agent1).post(f"/agent/tickets/{ticket.reference}/reply/",
                                  {"body": "My carefully typed answer", "macro": macro.pk})
    assert response.status_code == 400
    page = response.content.decode()
    assert "no longer in use" in page and "My carefully typed answer" in page
    assert not ticket.events.filter(kind=EventKind.REPLY).exists()


def test_the_ticket_page_offers_the_picker_in_the_reply_box(login, agent1, ticket):
    page = login(agent1).get(f"/agent/tickets/{ticket.reference}/").content.decode()
    assert f'data-url="/agent/macros/picker/{ticket.reference}/"' in page and 'name="macro"' in page


def test_the_queue_bar_sends_a_module_on_every_ticked_ticket_and_reports_each(login, agent1, customer, tiers, make_macro):
    from tests.factories import make_ticket
    from tickets import services as tickets

    done, closed = make_ticket(customer, notify=False), make_ticket(customer, notify=False)
    tickets.ticket_change_status(ticket=closed, actor=agent1, status=Status.CLOSED)
    macro = make_macro(agent1, set_priority=Priority.HIGH)
    client = login(agent1)
    assert 'formaction="/agent/macros/selection/apply/"' in client.get("/agent/").content.decode()
    response = client.post("/agent/macros/selection/apply/", {"tickets": [done.reference, closed.reference],
                                                             "macro": macro.pk}, follow=True)
    page = response.content.decode()
    assert "1 ticket changed." in page and f"{closed.reference} not changed:" in page
    done.refresh_from_db()
    assert done.priority == Priority.HIGH
    assert done.events.get(kind=EventKind.REPLY).body == "Hello Alice, please restart the printer."


def test_the_queue_bar_needs_a_module_the_agent_may_use(login, agent1, agent2, ticket, make_macro):
    theirs = make_macro(agent2)
    response = login(agent1).post("/agent/macros/selection/apply/", {"tickets": [ticket.reference], "macro": theirs.pk},
                                  follow=True)
    assert "Choose the text module to send." in response.content.decode()
    assert not ticket.events.filter(kind=EventKind.REPLY).exists()


def test_the_queue_offers_the_modules_without_a_query_and_sees_a_new_one(login, agent1, ticket, make_macro,
                                                                         django_assert_max_num_queries):
    make_macro(agent1, title="First module")
    client = login(agent1)
    assert "First module" in client.get("/agent/").content.decode()
    from tickets.models import Ticket

    make_macro(agent1, title="Second module")
    page = client.get("/agent/").content.decode()
    assert "First module" in page and "Second module" in page and Ticket.objects.exists()
    with django_assert_max_num_queries(4):  # the queue's own queries only (tests/tickets: the budget)
        client.get("/agent/")
