"""The ticket API: the same rules as the pages, JSON errors for bad input, a fixed query budget."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tickets import services
from tickets.models import EventKind, Status, Ticket
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def _client(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return _client


def url(ticket, action=""):
    return f"/api/v1/tickets/{ticket.reference}/" + (f"{action}/" if action else "")


# --- authentication and visibility ------------------------------------------------------------------


def test_anonymous_calls_get_401(api, ticket):
    for path in ("/api/v1/tickets/", url(ticket), url(ticket, "events")):
        response = api().get(path)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"


def test_token_authentication_works(customer, ticket):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.create(user=customer).key)
    assert client.get("/api/v1/tickets/").json()["count"] == 1


def test_customers_list_only_their_own_tickets(api, ticket, other_customer, customer, tiers):
    make_ticket(other_customer)
    body = api(customer).get("/api/v1/tickets/").json()
    assert [t["reference"] for t in body["results"]] == [ticket.reference]


def test_another_customers_ticket_is_404_for_every_endpoint(api, ticket, other_customer):
    client = api(other_customer)
    assert client.get(url(ticket)).status_code == 404
    assert client.get(url(ticket, "events")).status_code == 404
    assert client.post(url(ticket, "reply"), {"body": "hi"}, format="json").status_code == 404
    assert client.post(url(ticket, "status"), {"status": "solved"}, format="json").status_code == 404
    assert ticket.events.count() == 1


def test_customers_never_receive_internal_events(api, ticket, customer, agent1, agent2):
    services.ticket_add_note(ticket=ticket, author=agent1, body="SECRET")
    services.ticket_escalate(ticket=ticket, actor=agent1, reason="SECRET REASON")
    services.ticket_reply(ticket=ticket, author=agent2, body="Hello")

    events = api(customer).get(url(ticket, "events")).json()["results"]
    assert [e["kind"] for e in events] == ["created", "reply", "status"]
    assert "SECRET" not in str(events)


def test_agents_see_the_whole_timeline_with_summaries(api, ticket, agent1):
    services.ticket_add_note(ticket=ticket, author=agent1, body="internal")
    events = api(agent1).get(url(ticket, "events")).json()["results"]
    assert [e["kind"] for e in events] == ["created", "note"]
    assert events[1]["summary"] == "Internal note"
    assert events[1]["is_public"] is False


@pytest.mark.parametrize("action, payload", [
    ("note", {"body": "x"}),
    ("priority", {"priority": 4}),
    ("assign", {"assignee": None}),
    ("escalate", {"reason": "x"}),
    ("send-back", {"reason": "x"}),
    ("category", {"category": None}),
    ("take", {}),
])
def test_agent_only_actions_are_forbidden_for_customers(api, ticket, customer, action, payload):
    response = api(customer).post(url(ticket, action), payload, format="json")
    assert response.status_code == 403
    assert ticket.events.count() == 1


# --- creating ---------------------------------------------------------------------------------------


def test_a_customer_files_a_ticket(api, customer, category, tiers):
    response = api(customer).post(
        "/api/v1/tickets/", {"subject": "API ticket", "description": "From a script", "category": category.pk},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["reference"] == Ticket.objects.get().reference
    assert response.json()["status"] == "new"
    assert response.json()["tier"] is None  # the level is internal (tests/api/test_customer_view.py)
    assert Ticket.objects.get().tier.level == 1


def test_a_ticket_with_attachments_by_multipart(api, customer, tiers, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("trace.txt", b"stack trace", content_type="text/plain")
    response = api(customer).post(
        "/api/v1/tickets/", {"subject": "s", "description": "d", "attachments": [upload]}, format="multipart"
    )
    assert response.status_code == 201
    event = api(customer).get(f"/api/v1/tickets/{response.json()['reference']}/events/").json()["results"][0]
    assert event["attachments"][0]["name"] == "trace.txt"
    download = api(customer).get(event["attachments"][0]["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"stack trace"


def test_an_oversize_attachment_is_a_400_and_nothing_is_saved(api, customer, tiers, settings):
    settings.HELPDESK_MAX_ATTACHMENT_BYTES = 4
    upload = SimpleUploadedFile("big.bin", b"12345")
    response = api(customer).post(
        "/api/v1/tickets/", {"subject": "s", "description": "d", "attachments": [upload]}, format="multipart"
    )
    assert response.status_code == 400
    assert "big.bin" in response.json()["detail"][0]
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize("payload, field", [
    ({"description": "d"}, "subject"),
    ({"subject": "", "description": "d"}, "subject"),
    ({"subject": "x" * 201, "description": "d"}, "subject"),
    ({"subject": "s"}, "description"),
    ({"subject": "s", "description": "d", "category": 99999}, "category"),
    ({"subject": "s", "description": "d", "category": "abc"}, "category"),
])
def test_malformed_tickets_get_field_errors(api, customer, tiers, payload, field):
    response = api(customer).post("/api/v1/tickets/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Ticket.objects.count() == 0


def test_a_body_that_is_not_json_is_a_400(api, customer, tiers):
    response = api(customer).post("/api/v1/tickets/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_customers_cannot_set_priority_or_file_for_others(api, customer, other_customer, tiers):
    client = api(customer)
    assert client.post("/api/v1/tickets/", {"subject": "s", "description": "d", "priority": 4}, format="json").status_code == 403
    assert client.post("/api/v1/tickets/", {"subject": "s", "description": "d", "requester": other_customer.pk}, format="json").status_code == 403
    assert client.post("/api/v1/tickets/", {"subject": "s", "description": "d", "channel": "phone"}, format="json").status_code == 403
    assert client.post("/api/v1/tickets/", {"subject": "s", "description": "d", "solution": "x"}, format="json").status_code == 403
    assert Ticket.objects.count() == 0


def test_agents_file_tickets_for_customers(api, agent1, customer, tiers):
    response = api(agent1).post(
        "/api/v1/tickets/", {"subject": "Phoned in", "description": "d", "requester": customer.pk, "priority": 3},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["requester"]["id"] == customer.pk
    assert response.json()["priority"] == 3


# --- acting on a ticket -----------------------------------------------------------------------------


def test_the_full_agent_workflow(api, ticket, agent1, tier2, customer):
    client = api(agent1)
    assert client.post(url(ticket, "take")).json()["assignee"]["id"] == agent1.pk
    assert client.post(url(ticket, "reply"), {"body": "Hi", "status": "waiting"}, format="json").json()["status"] == "waiting"
    assert client.post(url(ticket, "note"), {"body": "psst"}, format="json").status_code == 200
    assert client.post(url(ticket, "priority"), {"priority": 4}, format="json").json()["priority"] == 4
    escalated = client.post(url(ticket, "escalate"), {"reason": "deep"}, format="json").json()
    assert escalated["tier"]["level"] == 2 and escalated["assignee"] is None

    kinds = [e["kind"] for e in client.get(url(ticket, "events") + "?size=100").json()["results"]]
    assert kinds == ["created", "assignment", "reply", "status", "note", "priority", "tier"]


def test_refusals_of_a_service_are_400_with_the_message(api, ticket, agent1):
    response = api(agent1).post(url(ticket, "send-back"), {"reason": "down"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": ["The ticket is already at the lowest tier."]}


def test_escalation_needs_a_reason(api, ticket, agent1):
    response = api(agent1).post(url(ticket, "escalate"), {"reason": ""}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    assert not ticket.events.filter(kind=EventKind.TIER).exists()


def test_a_customer_solves_and_reopens_but_cannot_close(api, ticket, customer):
    client = api(customer)
    assert client.post(url(ticket, "status"), {"status": "solved"}, format="json").json()["status"] == "solved"
    assert client.post(url(ticket, "status"), {"status": "open"}, format="json").json()["status"] == "open"
    response = client.post(url(ticket, "status"), {"status": "closed"}, format="json")
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_unknown_values_are_field_errors(api, ticket, agent1):
    client = api(agent1)
    assert "status" in client.post(url(ticket, "status"), {"status": "boom"}, format="json").json()
    assert "priority" in client.post(url(ticket, "priority"), {"priority": 9}, format="json").json()
    assert "assignee" in client.post(url(ticket, "assign"), {"assignee": 999999}, format="json").json()


# --- filters ----------------------------------------------------------------------------------------


def test_the_list_filters_like_the_queue(api, agent1, customer, tiers):
    printer = make_ticket(customer, subject="Printer jam")
    vpn = make_ticket(customer, subject="VPN down")
    services.ticket_change_priority(ticket=vpn, actor=agent1, priority=4)
    client = api(agent1)

    def refs(query):
        return {t["reference"] for t in client.get("/api/v1/tickets/?" + query).json()["results"]}

    assert refs("q=printer") == {printer.reference}
    assert refs("priority=4") == {vpn.reference}
    assert refs("status=all_open&tier=mine") == {printer.reference, vpn.reference}
    assert refs("unassigned=false") == set()
    assert [t["reference"] for t in client.get("/api/v1/tickets/?ordering=-priority").json()["results"]][0] == vpn.reference


def test_bad_filters_are_400(api, agent1, tiers):
    response = api(agent1).get("/api/v1/tickets/?priority=9")
    assert response.status_code == 400
    assert "priority" in response.json()


@pytest.mark.parametrize("size", [5, 100])
def test_the_list_costs_the_same_queries_for_any_page_size(api, agent1, customer, tiers, size, django_assert_max_num_queries):
    for i in range(30):
        t = make_ticket(customer, subject=f"T{i}")
        if i % 2:
            services.ticket_take(ticket=t, agent=agent1)
    client = api(agent1)
    client.get("/api/v1/tickets/?size=1")  # fills the cached reference lists
    with django_assert_max_num_queries(3):
        response = client.get(f"/api/v1/tickets/?size={size}")
    assert len(response.json()["results"]) == min(size, 30)


def test_tiers_and_categories_are_listed(api, customer, tiers, category):
    client = api(customer)
    assert [t["level"] for t in client.get("/api/v1/tiers/").json()] == [1, 2, 3]
    assert client.get("/api/v1/categories/").json() == [{"id": category.pk, "name": "Network"}]


def test_the_schema_describes_the_ticket_api(client):
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/v1/tickets/{reference}/escalate/" in schema["paths"]
    parameters = {p["name"] for p in schema["paths"]["/api/v1/tickets/"]["get"]["parameters"]}
    assert {"q", "status", "priority", "category", "tier", "assignee", "unassigned", "ordering", "page", "size"} <= parameters


def test_the_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


@pytest.fixture
def small_rates(settings):
    from django.core.cache import cache
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = {"anon": "2/min", "customer": "3/min", "agent": "100/min"}
    cache.clear()
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    yield rates
    SimpleRateThrottle.THROTTLE_RATES = original
    cache.clear()
    assert api_settings  # settings are read at import; the class attribute is what throttles use


def test_anonymous_callers_are_rate_limited_with_a_clear_429(client, small_rates, tiers):
    """Endpoints open to anonymous callers (the schema here; public knowledge-base search too)."""
    statuses = [client.get("/api/schema/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = client.get("/api/schema/?format=json")
    assert "Request was throttled" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def test_customers_are_limited_agents_are_not(api, customer, agent1, small_rates, tiers):
    assert [api(customer).get("/api/v1/tiers/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert {api(agent1).get("/api/v1/tiers/").status_code for _ in range(10)} == {200}


def test_a_window_of_calls_is_one_counter_in_the_cache_however_many_calls(api, agent1, small_rates, tiers):
    """Not a list of every call's time that grows with the rate (DRF's own throttles)."""
    from django.core.cache import cache

    for _ in range(30):
        api(agent1).get("/api/v1/tiers/")
    counters = [key for key in cache._cache if "throttle_agent" in key]
    assert len(counters) == 1
    assert cache.get(counters[0].split(":", 2)[-1]) == 30


def test_a_new_window_starts_a_new_count(api, customer, small_rates, tiers, monkeypatch):
    from helpdesk.api.throttling import CustomerRateThrottle

    now = [1_000_000.0]
    monkeypatch.setattr(CustomerRateThrottle, "timer", lambda self: now[0])
    assert [api(customer).get("/api/v1/tiers/").status_code for _ in range(4)] == [200, 200, 200, 429]
    response = api(customer).get("/api/v1/tiers/")
    assert 0 < int(response["Retry-After"]) <= 60
    now[0] += 60
    assert api(customer).get("/api/v1/tiers/").status_code == 200


def test_the_list_says_when_its_count_is_capped(api, agent1, customer, tiers, monkeypatch):
    from helpdesk.web.pagination import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    for i in range(5):
        make_ticket(customer, subject=f"T{i}")
    body = api(agent1).get("/api/v1/tickets/?size=2").json()
    assert (body["count"], body["count_is_exact"]) == (3, False)
    assert api(agent1).get("/api/v1/tickets/?size=2&priority=4").json()["count_is_exact"] is True


def test_the_api_list_shows_a_tier_and_category_the_cached_lists_do_not_know_yet(api, agent1, customer, category, monkeypatch):
    """Another process may still hold lists from before a tier or category was added."""
    import dataclasses

    from tickets import selectors

    ticket = make_ticket(customer, category=category)
    stale = dataclasses.replace(selectors.reference_lists(), tiers=[], categories=[])
    monkeypatch.setattr(selectors, "reference_lists", lambda: stale)
    row = next(t for t in api(agent1).get("/api/v1/tickets/").json()["results"] if t["reference"] == ticket.reference)
    assert row["tier"]["level"] == 1 and row["category"]["name"] == category.name
