"""Phone notes and Wiedervorlage through the API: the same services and rules as the ticket page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from escalation.models import Reminder
from tickets.models import EventKind, Status

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_agent_records_a_call_on_the_ticket(agent1, ticket):
    response = client_for(agent1).post(f"/api/v1/tickets/{ticket.reference}/call/", {
        "direction": "outgoing", "number": "+49 89 1234567", "minutes": 4, "summary": "Rückruf: VPN läuft wieder."},
        format="json")
    assert response.status_code == 200, response.json()
    call = ticket.events.get(kind=EventKind.CALL)
    assert (call.body, call.data["direction"], call.data["minutes"]) == ("Rückruf: VPN läuft wieder.", "outgoing", 4)


def test_a_call_is_refused_with_reasons(agent1, customer, ticket):
    url = f"/api/v1/tickets/{ticket.reference}/call/"
    bad = client_for(agent1).post(url, {"direction": "sideways", "summary": ""}, format="json")
    assert bad.status_code == 400 and set(bad.json()) >= {"direction", "summary"}
    refused = client_for(customer).post(url, {"direction": "incoming", "summary": "Ich rufe mich selbst an."},
                                        format="json")
    assert refused.status_code == 403
    assert not ticket.events.filter(kind=EventKind.CALL).exists()


def test_an_agent_sets_a_ticket_aside_until_a_moment(agent1, ticket):
    due = timezone.now() + timedelta(days=1)
    response = client_for(agent1).post(f"/api/v1/tickets/{ticket.reference}/reminder/",
                                       {"due_at": due.isoformat(), "note": "Kundin zurückrufen"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["note"] == "Kundin zurückrufen"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.follow_up_at) == (Status.WAITING, due)


def test_a_reminder_in_the_past_or_by_a_customer_is_refused(agent1, customer, ticket):
    url = f"/api/v1/tickets/{ticket.reference}/reminder/"
    past = client_for(agent1).post(url, {"due_at": (timezone.now() - timedelta(hours=1)).isoformat()}, format="json")
    assert past.status_code == 400 and "future" in str(past.json())
    by_customer = client_for(customer).post(url, {"due_at": (timezone.now() + timedelta(hours=1)).isoformat()},
                                            format="json")
    assert by_customer.status_code == 403
    assert not Reminder.objects.exists()
