"""A customer's API view of their ticket shows what the portal shows: not the level, the assignee,
the SLA's next deadline or the facts recorded on events; agents see all of it."""

import pytest
from rest_framework.test import APIClient

from tickets import services

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_customer_reads_no_internal_fields(customer, agent1, ticket):
    services.ticket_take(ticket=ticket, agent=agent1)
    services.ticket_reply(ticket=ticket, author=agent1, body="Wir schauen es uns an.")
    url = f"/api/v1/tickets/{ticket.reference}/"

    mine = client_for(customer).get(url).json()
    assert (mine["tier"], mine["assignee"], mine["next_breach_at"]) == (None, None, None)
    listed = client_for(customer).get("/api/v1/tickets/").json()["results"][0]
    assert (listed["tier"], listed["assignee"]) == (None, None)
    events = client_for(customer).get(url + "events/").json()["results"]
    assert events and all(event["data"] == {} for event in events)
    replied = client_for(customer).post(url + "reply/", {"body": "Danke!"}, format="json").json()
    assert replied["tier"] is None

    theirs = client_for(agent1).get(url).json()
    assert theirs["tier"]["level"] == 1 and theirs["assignee"] is not None
    assert any(event["data"] for event in client_for(agent1).get(url + "events/").json()["results"])
