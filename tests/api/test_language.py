"""The API answers in the request's language: the Accept-Language header (or language cookie) when
the call sends one, else the caller's profile language; Content-Language says which."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import CustomerFactory, make_ticket

pytestmark = pytest.mark.django_db

ENGLISH = "Only agents can see SLA clocks."
GERMAN = "Nur Supportmitarbeiter sehen die SLA-Fristen."


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def german_customer(db, tiers):
    return CustomerFactory(username="kunde@example.de", profile__language="de")


def sla_url(ticket):
    return f"/api/v1/tickets/{ticket.reference}/sla/"


def test_an_error_comes_in_the_language_of_the_accept_language_header(customer, ticket):
    client = token_client(customer)  # her profile says English: the header wins
    response = client.get(sla_url(ticket), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert response.status_code == 403
    assert response["Content-Language"] == "de"
    assert response.json() == {"detail": GERMAN}

    response = client.get(sla_url(ticket), HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "en"
    assert response.json() == {"detail": ENGLISH}


def test_without_a_header_the_profile_language_applies(german_customer, customer):
    ticket = make_ticket(german_customer)
    response = token_client(german_customer).get(sla_url(ticket))
    assert response.status_code == 403
    assert response["Content-Language"] == "de"
    assert response.json() == {"detail": GERMAN}

    own = make_ticket(customer)
    response = token_client(customer).get(sla_url(own))
    assert response["Content-Language"] == "en"
    assert response.json() == {"detail": ENGLISH}


def test_the_profile_language_applies_to_a_session_too(client, german_customer):
    ticket = make_ticket(german_customer)
    client.force_login(german_customer)
    response = client.get(sla_url(ticket))
    assert response.json() == {"detail": GERMAN}


def test_validation_errors_and_choice_labels_follow(german_customer, agent1, ticket):
    response = token_client(german_customer).post("/api/v1/tickets/", {"subject": "", "description": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["subject"] == ["Dieses Feld darf nicht leer sein."]

    events = token_client(agent1).get(f"/api/v1/tickets/{ticket.reference}/events/", HTTP_ACCEPT_LANGUAGE="de").json()
    assert events["results"][0]["summary"] == "Ticket erstellt"


def test_unknown_api_addresses_and_taking_tickets_answer_json_in_german(german_customer, ticket):
    client = token_client(german_customer)
    response = client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Nicht gefunden."}

    own = make_ticket(german_customer)
    response = client.post(f"/api/v1/tickets/{own.reference}/take/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Das dürfen nur Supportmitarbeiter."}


def test_the_token_log_in_reads_the_profile_in_the_same_query(german_customer, django_assert_num_queries):
    from helpdesk.api.authentication import TokenAuthentication

    key = Token.objects.create(user=german_customer).key
    with django_assert_num_queries(1):
        user, _token = TokenAuthentication().authenticate_credentials(key)
        assert user.profile.language == "de"
