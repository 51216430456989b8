"""Many tickets at once: every ticket through the service of a single change, each committing on
its own, the outcome reported per ticket (done, or refused and why); the queue's bar and the API."""

import pytest
from rest_framework.test import APIClient

from tests.factories import CategoryFactory, make_agent, make_ticket
from tickets import services
from tickets.models import EventKind, Priority, Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(customer, tiers):
    return [make_ticket(customer, subject=f"Case {n}", notify=False) for n in range(3)]


def test_the_same_changes_go_on_every_ticket_with_their_events(three, agent1):
    printers = CategoryFactory(name="Printers")
    outcomes = services.ticket_bulk_change(actor=agent1, tickets=three, changes={
        "priority": Priority.HIGH, "category": printers, "status": Status.OPEN, "take": True})
    assert [(o.done, o.changed) for o in outcomes] == [(True, ("category", "priority", "status", "assignee"))] * 3
    for ticket in three:
        ticket.refresh_from_db()
        assert (ticket.priority, ticket.category, ticket.status, ticket.assignee) == (
            Priority.HIGH, printers, Status.OPEN, agent1)
        assert ticket.events.filter(kind=EventKind.PRIORITY).count() == 1


def test_a_first_level_agent_is_refused_the_tickets_it_may_not_touch_and_the_rest_are_done(
        three, agent1, agent3, tier3):
    services.ticket_move_to_tier(ticket=three[1], actor=None, to_tier=tier3, reason="", automatic={"test": True})
    outcomes = services.ticket_bulk_change(actor=agent1, tickets=three, changes={"priority": Priority.HIGH})
    assert [o.done for o in outcomes] == [True, False, True]
    assert "3rd Level" in outcomes[1].message
    assert list(Ticket.objects.filter(pk__in=[t.pk for t in three]).order_by("pk").values_list("priority", flat=True)) == [
        Priority.HIGH, Priority.NORMAL, Priority.HIGH]


def test_nothing_is_half_done_inside_one_ticket(three, agent1, agent2):
    """The priority could change, the assignment cannot (agent2 is no member of the 1st level):
    the ticket keeps its priority too."""
    outcomes = services.ticket_bulk_change(actor=agent1, tickets=three[:1], changes={
        "priority": Priority.URGENT, "assignee": agent2})
    assert not outcomes[0].done and "not a member" in outcomes[0].message
    three[0].refresh_from_db()
    assert three[0].priority == Priority.NORMAL
    assert not three[0].events.filter(kind=EventKind.PRIORITY).exists()


def test_a_value_the_ticket_already_has_is_left_alone(three, agent1):
    services.ticket_change_priority(ticket=three[0], actor=agent1, priority=Priority.HIGH)
    outcomes = services.ticket_bulk_change(actor=agent1, tickets=three[:2], changes={"priority": Priority.HIGH})
    assert [(o.done, o.changed) for o in outcomes] == [(True, ()), (True, ("priority",))]


@pytest.mark.parametrize("changes, words", [
    ({}, "at least one"),
    ({"escalate": ""}, "Reason"),
    ({"escalate": "x", "send_back": "y"}, "not both"),
    ({"colour": "red"}, "Unknown change"),
])
def test_what_cannot_be_asked_is_refused_before_any_ticket(three, agent1, changes, words):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=words):
        services.ticket_bulk_change(actor=agent1, tickets=three, changes=changes)


def test_customers_change_nothing_in_bulk(three, customer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.ticket_bulk_change(actor=customer, tickets=three, changes={"priority": Priority.HIGH})


def test_escalating_many_moves_each_with_the_one_reason(three, agent1, tier2):
    outcomes = services.ticket_bulk_change(actor=agent1, tickets=three, changes={"escalate": "Printer driver"})
    assert all(o.done for o in outcomes)
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in three]).values_list("tier", flat=True)) == {tier2.pk}


def test_the_queue_bar_changes_the_ticked_tickets_and_reports_each_refusal(login, three, agent1, agent3, tier3):
    services.ticket_move_to_tier(ticket=three[2], actor=None, to_tier=tier3, reason="", automatic={"test": True})
    client = login(agent1)
    page = client.get("/agent/?tier=all").content.decode()
    assert 'formaction="/agent/bulk/"' in page and f'value="{three[0].reference}"' in page
    response = client.post("/agent/bulk/", {"tickets": [t.reference for t in three] + ["HD-0000-999999"],
                                            "priority": str(Priority.HIGH), "change": "apply", "next": "/agent/?tier=all"},
                           follow=True)
    text = response.content.decode()
    assert "2 tickets changed." in text
    assert f"{three[2].reference} not changed:" in text and "HD-0000-999999: no such ticket." in text


def test_the_queue_bar_needs_a_selection(login, agent1):
    response = login(agent1).post("/agent/bulk/", {"priority": "3", "change": "apply"}, follow=True)
    assert "Select the tickets first." in response.content.decode()


def test_the_api_changes_many_in_one_call_with_per_ticket_results(three, agent1, agent3, tier3):
    services.ticket_move_to_tier(ticket=three[1], actor=None, to_tier=tier3, reason="", automatic={"test": True})
    client = APIClient()
    client.force_authenticate(agent1)
    answer = client.post("/api/v1/tickets/bulk/", {"tickets": [t.reference for t in three] + ["HD-0000-999999"],
                                                   "priority": Priority.HIGH}, format="json")
    assert answer.status_code == 200, answer.json()
    results = answer.json()["results"]
    assert [(r["ticket"], r["done"]) for r in results] == [
        (three[0].reference, True), (three[1].reference, False), (three[2].reference, True), ("HD-0000-999999", False)]
    assert results[0]["changed"] == ["priority"] and "3rd Level" in results[1]["error"]


def test_the_api_refuses_customers_and_bad_input_as_json(three, customer, agent1):
    client = APIClient()
    client.force_authenticate(customer)
    assert client.post("/api/v1/tickets/bulk/", {"tickets": [three[0].reference], "priority": 3}, format="json").status_code == 403
    client.force_authenticate(agent1)
    bad = client.post("/api/v1/tickets/bulk/", {"tickets": [], "priority": 99}, format="json")
    assert bad.status_code == 400 and {"tickets", "priority"} <= set(bad.json())


def test_a_hundred_tickets_change_in_one_call(customer, tiers, agent1, django_assert_max_num_queries):
    import time

    hundred = [make_ticket(customer, subject=f"Bulk {n}", notify=False) for n in range(100)]
    started = time.perf_counter()
    outcomes = services.ticket_bulk_change(actor=agent1, tickets=hundred, changes={"priority": Priority.HIGH})
    seconds = time.perf_counter() - started
    assert all(o.done for o in outcomes)
    print(f"100 tickets, priority: {seconds:.2f} s")
    assert seconds < 10  # the goal is 2 s on the benchmark machine; here a wide margin against a loaded CI
