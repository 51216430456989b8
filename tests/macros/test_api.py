"""The text modules API: the same rules as the pages, JSON answers for refusals."""

import pytest
from rest_framework.test import APIClient

from macros.models import Macro
from tickets.models import EventKind, Priority, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def _as(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return _as


def test_an_agent_writes_lists_and_changes_a_module(api, agent1):
    client = api(agent1)
    created = client.post("/api/v1/macros/", {"title_en": "Restart", "body_en": "Restart it, {customer_first_name}.",
                                              "set_priority": Priority.HIGH}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["scope"], body["changes"], body["may_manage"]) == ("personal", ["Priority: High"], True)
    assert [m["title"] for m in client.get("/api/v1/macros/").json()["results"]] == ["Restart"]
    changed = client.patch(f"/api/v1/macros/{body['id']}/", {"title_en": "Restart the printer"}, format="json")
    assert changed.status_code == 200 and changed.json()["title_en"] == "Restart the printer"
    assert client.delete(f"/api/v1/macros/{body['id']}/").status_code == 204
    assert not Macro.objects.exists()


def test_refusals_are_json_with_words(api, agent1):
    client = api(agent1)
    bad = client.post("/api/v1/macros/", {"title_en": "x", "body_en": "{nope}"}, format="json")
    assert bad.status_code == 400 and "Unknown placeholder" in str(bad.json())
    forbidden = client.post("/api/v1/macros/", {"title_en": "x", "body_en": "y", "scope": "global"}, format="json")
    assert forbidden.status_code == 403 and forbidden["Content-Type"].startswith("application/json")


def test_text_for_a_ticket_and_sending_it(api, agent1, ticket, make_macro):
    macro = make_macro(agent1, set_status=Status.WAITING)
    client = api(agent1)
    text = client.get(f"/api/v1/macros/{macro.pk}/text/?ticket={ticket.reference}").json()
    assert text["text"] == "Hello Alice, please restart the printer." and text["language"] == "en"
    sent = client.post(f"/api/v1/macros/{macro.pk}/apply/", {"ticket": ticket.reference}, format="json")
    assert sent.status_code == 200 and sent.json()["status"] == "waiting"
    assert ticket.events.get(kind=EventKind.REPLY).channel == "api"


def test_customers_get_no_modules(api, customer, agent1, make_macro):
    macro = make_macro(agent1)
    client = api(customer)
    assert client.get("/api/v1/macros/").status_code == 403
    assert client.post(f"/api/v1/macros/{macro.pk}/apply/", {"ticket": "HD-1"}, format="json").status_code == 403


def test_another_agents_module_is_not_found(api, agent1, agent2, ticket, make_macro):
    theirs = make_macro(agent2)
    assert api(agent1).post(f"/api/v1/macros/{theirs.pk}/apply/", {"ticket": ticket.reference},
                            format="json").status_code == 404


def test_the_text_needs_a_ticket(api, agent1, make_macro):
    macro = make_macro(agent1)
    answer = api(agent1).get(f"/api/v1/macros/{macro.pk}/text/")
    assert answer.status_code == 400 and "ticket" in answer.json()


def test_the_list_keeps_a_constant_number_of_queries(api, agent1, admin_user, tier1, make_macro,
                                                     django_assert_max_num_queries):
    from tests.factories import CategoryFactory

    client = api(agent1)
    make_macro(admin_user, scope="global", set_category=CategoryFactory(name="One"))
    client.get("/api/v1/macros/")
    for number in range(12):
        make_macro(admin_user, title=f"Tier {number}", scope="tier", tier=tier1,
                   set_category=CategoryFactory(name=f"Category {number}"))
    with django_assert_max_num_queries(4):
        assert client.get("/api/v1/macros/").json()["count"] == 13
