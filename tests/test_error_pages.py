"""The product's own error pages in the reader's language (never Django's debug or plain pages), and
JSON error bodies under /api/."""

import json

import pytest
from django.test import RequestFactory
from django.utils import translation

from helpdesk import urls

pytestmark = pytest.mark.django_db


def test_a_mistyped_ticket_number_shows_our_not_found_page_in_german(client, customer):
    client.force_login(customer)
    response = client.get("/portal/tickets/HD-2026-999999/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 404
    page = response.text
    assert '<html lang="de">' in page
    assert "Nicht gefunden" in page and "Zurück zur Startseite" in page
    assert "Meine Tickets" in page  # the layout, with the customer's navigation
    assert "Page not found" not in page and "URLconf" not in page


def test_the_not_found_page_in_english(client):
    response = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "Not found" in response.text and "Back to the start page" in response.text


def test_a_customer_on_an_agent_page_gets_our_access_denied_page(client, customer):
    client.force_login(customer)
    response = client.get("/agent/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 403
    assert "Zugriff verweigert" in response.text


def test_a_bad_host_gets_our_bad_request_page(client):
    response = client.get("/", HTTP_HOST="helpdesk.invalid", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 400
    assert "Ungültige Anfrage" in response.text


@pytest.mark.parametrize("language, text", [("de", "Etwas ist schiefgegangen"), ("en", "Something went wrong")])
def test_the_server_error_page_needs_no_database_and_no_request_context(django_assert_num_queries, language, text):
    with translation.override(language), django_assert_num_queries(0):
        response = urls.handler500(RequestFactory().get("/portal/"))
    assert response.status_code == 500
    assert text in response.content.decode()
    assert f'<html lang="{language}">' in response.content.decode()


def test_under_the_api_errors_are_json(client):
    with translation.override("de"):
        response = urls.handler500(RequestFactory().get("/api/v1/tickets/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": "Serverfehler. Bitte versuchen Sie es später noch einmal."}

    response = client.get("/api/v1/nothing-here/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_make_run_shows_no_debug_pages():
    from pathlib import Path

    script = (Path(__file__).resolve().parent.parent / "scripts" / "run.sh").read_text()
    assert "export DJANGO_DEBUG=${DJANGO_DEBUG:-false}" in script
