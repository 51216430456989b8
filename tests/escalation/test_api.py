"""SLA in the API: a ticket's targets and clock history, "breaches before" filtering, notifications."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from escalation import services
from tests.factories import make_ticket

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def ticket(customer, policy):
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN), tick=False):
        return make_ticket(customer)


def test_agents_read_the_targets_and_their_history(ticket, agent1):
    body = api(agent1).get(f"/api/v1/tickets/{ticket.reference}/sla/").json()
    assert {c["metric"]: c["state"] for c in body["clocks"]} == {
        "first_response": "running", "resolution": "running", "tier_time": "running"}
    first = next(c for c in body["clocks"] if c["metric"] == "first_response")
    assert first["due_at"] == "2026-11-23T10:00:00+01:00"
    assert [e["kind"] for e in body["events"]] == ["applied"] * 3


def test_customers_do_not_see_sla_clocks(ticket, customer):
    assert api(customer).get(f"/api/v1/tickets/{ticket.reference}/sla/").status_code == 403


def test_an_unknown_ticket_is_404(agent1, tiers):
    assert api(agent1).get("/api/v1/tickets/HD-2000-000001/sla/").status_code == 404


def test_warnings_and_breaches_carry_their_latency(ticket, agent1):
    moment = datetime(2026, 11, 23, 9, 45, 30, tzinfo=BERLIN)
    with time_machine.travel(moment, tick=False):
        services.process_due_clocks(now=moment)
    events = api(agent1).get(f"/api/v1/tickets/{ticket.reference}/sla/").json()["events"]
    warned = next(e for e in events if e["kind"] == "warned")
    assert warned["latency_seconds"] == 30.0


def test_the_ticket_list_filters_by_breaches_before(ticket, customer, agent1, policy):
    with time_machine.travel(datetime(2026, 11, 23, 16, 0, tzinfo=BERLIN), tick=False):
        later = make_ticket(customer)
    client = api(agent1)

    def refs(moment):
        response = client.get("/api/v1/tickets/", {"breaches_before": moment})
        return {t["reference"] for t in response.json()["results"]}

    assert refs("2026-11-23T10:30:00+01:00") == {ticket.reference}
    assert refs("2026-11-24T12:00:00+01:00") == {ticket.reference, later.reference}
    ordered = client.get("/api/v1/tickets/?ordering=next_breach").json()["results"]
    assert [t["reference"] for t in ordered] == [ticket.reference, later.reference]


def test_notifications_are_listed_and_marked_read(ticket, agent1, tier1):
    tier1.lead = agent1
    tier1.save()
    moment = datetime(2026, 11, 23, 9, 50, tzinfo=BERLIN)
    with time_machine.travel(moment, tick=False):
        services.process_due_clocks(now=moment)
    client = api(agent1)
    notifications = client.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [(n["ticket"], n["kind"]) for n in notifications] == [(ticket.reference, "warned")]
    assert "First response" in notifications[0]["text"]
    assert client.post("/api/v1/notifications/read/", {}, format="json").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/?unread=true").json()["results"] == []


def test_the_navbar_count_follows_new_and_read_notifications_although_it_is_cached(login, ticket, agent1):
    from escalation import services

    client = login(agent1)

    def navbar_count():
        return client.get("/agent/").context["unread_notifications"]

    assert navbar_count() == 0
    services.notify(ticket=ticket, kind="warned", recipients=[agent1], data={})
    services.notify(ticket=ticket, kind="breached", recipients=[agent1], data={})
    assert navbar_count() == 2
    services.notifications_mark_read(user=agent1)
    assert navbar_count() == 0
