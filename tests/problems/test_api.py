"""The problems API: the pages' rules, as JSON."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from problems import services
from problems.models import Problem

pytestmark = pytest.mark.django_db
BASE = "/api/v1/problems/"


@pytest.fixture
def api():
    def _client(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(get_user_model().objects.get(pk=user.pk))
        return client

    return _client


def test_an_engineer_records_links_publishes_and_resolves_over_the_api(api, engineer, make_customer_ticket):
    tickets = [make_customer_ticket("de"), make_customer_ticket("en")]
    client = api(engineer)
    created = client.post(BASE, {"title": "Login page slow", "workaround_en": "Retry.", "resolution_en": "Index added.",
                                 "tickets": [tickets[0].reference]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["owner"]["id"], body["reference"]) == ("new", engineer.pk, f"PRB-{body['id']:05d}")
    pk = body["id"]
    assert client.post(f"{BASE}{pk}/link/", {"tickets": [tickets[1].reference]}, format="json").status_code == 200
    listed = client.get(f"{BASE}{pk}/tickets/").json()
    assert listed["count"] == 2
    started = client.post(f"{BASE}{pk}/workaround/", {"hold": True}, format="json")
    assert started.status_code == 202 and started.json()["total"] == 2
    assert client.get(f"{BASE}{pk}/broadcasts/").json()[0]["kind"] == "workaround"
    assert [e["kind"] for e in client.get(f"{BASE}{pk}/events/").json()] == ["created", "linked", "linked", "workaround"]
    assert client.get(BASE, {"status": "known_error"}).json()["results"][0]["ticket_count"] == 2


def test_refusals_are_json_in_words(api, engineer, agent1, customer, make_customer_ticket):
    problem = services.problem_create(actor=engineer, title="Anything")
    assert api().get(BASE).status_code == 401
    assert api(customer).get(BASE).json() == {"detail": "Only agents can do this."}
    refused = api(agent1).post(BASE, {"title": "x"}, format="json")
    assert refused.status_code == 403 and "Only engineers" in refused.json()["detail"]
    client = api(engineer)
    assert client.post(BASE, {}, format="json").json()["title"] == ["This field is required."]
    unknown = client.post(f"{BASE}{problem.pk}/link/", {"tickets": ["HD-1999-000001"]}, format="json")
    assert unknown.status_code == 400 and unknown.json() == {"tickets": ["No such ticket: HD-1999-000001."]}
    empty = client.post(f"{BASE}{problem.pk}/workaround/", {}, format="json")
    assert empty.status_code == 400 and empty.json() == {"workaround": ["Write the workaround first."]}
    assert client.get(f"{BASE}999999/").status_code == 404
    assert client.post(f"{BASE}{problem.pk}/status/", {"status": "fixed"}, format="json").status_code == 400


def test_proposals_over_the_api(api, engineer, admin_user):
    problem = services.problem_create(actor=engineer, title="Anything")
    proposed = api(engineer).post(f"{BASE}{problem.pk}/proposals/", {"title": "Add an index", "reason": "Slow",
                                                                    "risk": "low"}, format="json")
    assert proposed.status_code == 201
    proposal = proposed.json()["id"]
    own = api(engineer).post(f"{BASE}{problem.pk}/proposals/{proposal}/decide/", {"approve": True, "reason": "ok"}, format="json")
    assert own.status_code == 403
    decided = api(admin_user).post(f"{BASE}{problem.pk}/proposals/{proposal}/decide/", {"approve": True, "reason": "Fine."},
                                   format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    done = api(engineer).post(f"{BASE}{problem.pk}/proposals/{proposal}/implemented/")
    assert done.json()["status"] == "implemented"
    assert Problem.objects.get().status == "change_proposed"
