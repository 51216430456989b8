"""The customer's data page, the admin's export and erasure (admin actions and API), consent at
registration, the footer's links."""

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model

from privacy.models import ErasureRecord, ErasureRequest
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db
User = get_user_model()


def _zip(response):
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_a_customer_downloads_their_data_and_asks_for_erasure(client, customer, tiers, admin_user):
    make_ticket(customer, subject="Mein Fall")
    client.force_login(customer)
    page = client.get("/portal/account/data/")
    assert page.status_code == 200 and "Download my data" in page.text
    data = json.loads(_zip(client.get("/portal/account/data/export/")).read("data.json"))
    assert [t["subject"] for t in data["tickets"]] == ["Mein Fall"]

    response = client.post("/portal/account/data/erasure/", {"confirm": "on"}, follow=True)
    assert "Your request has been recorded" in response.text
    assert ErasureRequest.objects.get().person == customer
    assert "You asked for erasure on" in client.get("/portal/account/data/").text
    assert "already asked" in client.post("/portal/account/data/erasure/", follow=True).text


def test_agents_have_no_portal_data_page(client, agent1):
    client.force_login(agent1)
    assert client.get("/portal/account/data/").status_code == 302


def test_an_admin_exports_and_erases_a_person_in_the_admin(client, admin_user, customer, tiers):
    client.force_login(admin_user)
    response = client.post("/admin/auth/user/", {"action": "export_personal_data", "_selected_action": [customer.pk]})
    assert json.loads(_zip(response).read("data.json"))["account"]["email"] == customer.email

    confirm = client.post("/admin/auth/user/", {"action": "erase_personal_data", "_selected_action": [customer.pk]})
    assert "This cannot be undone." in confirm.text and ErasureRecord.objects.count() == 0
    client.post("/admin/auth/user/", {"action": "erase_personal_data", "_selected_action": [customer.pk],
                                      "confirmed": "yes"})
    record = ErasureRecord.objects.get()
    assert record.actor == admin_user and record.person_id_kept == customer.pk
    assert client.get(f"/admin/privacy/erasurerecord/{record.pk}/change/").status_code == 200


def test_the_api_exports_and_erases_for_admins_only(client, admin_user, customer, agent1, tiers):
    client.force_login(agent1)
    assert client.get(f"/api/v1/privacy/people/{customer.pk}/export/").status_code == 403
    assert client.post(f"/api/v1/privacy/people/{customer.pk}/erase/").status_code == 403
    refused = client.get(f"/api/v1/privacy/people/{customer.pk}/export/", HTTP_ACCEPT="application/zip")
    assert refused.status_code == 403 and refused["Content-Type"] == "application/json"
    client.force_login(admin_user)
    assert _zip(client.get(f"/api/v1/privacy/people/{customer.pk}/export/", HTTP_ACCEPT="application/zip")).read("data.json")
    response = client.post(f"/api/v1/privacy/people/{customer.pk}/erase/")
    assert response.status_code == 201 and response.json()["person"] == customer.pk
    assert client.post(f"/api/v1/privacy/people/{customer.pk}/erase/").status_code == 400
    assert client.get("/api/v1/privacy/erasures/").json()["count"] == 1
    assert client.get("/api/v1/privacy/people/999999/export/").status_code == 404


def _register(client, **extra):
    return client.post("/accounts/register/", {"first_name": "Clara", "last_name": "Credo", "email": "clara@example.com",
                                               "password1": "a-long-passphrase", "password2": "a-long-passphrase",
                                               **extra})


def test_registration_asks_for_consent_with_a_link_and_stores_its_time(client, settings):
    page = client.get("/accounts/register/")
    assert 'href="/privacy/"' in page.text
    refused = _register(client)
    assert "Please agree to the privacy notice" in refused.text and not User.objects.exists()
    _register(client, consent="on")
    assert User.objects.get().profile.privacy_consent_at is not None


def test_the_service_refuses_a_registration_without_consent():
    from django.core.exceptions import ValidationError

    from tickets.services import customer_register

    with pytest.raises(ValidationError):
        customer_register(email="x@example.com", password="a-long-passphrase")


def test_every_footer_links_the_privacy_notice_and_the_configured_imprint(client, settings):
    assert 'data-testid="imprint-link"' not in client.get("/accounts/login/").text
    settings.HELPDESK_IMPRINT_URL = "https://example.com/impressum"
    settings.HELPDESK_PRIVACY_URL = "https://example.com/datenschutz"
    page = client.get("/accounts/login/").text
    assert 'href="https://example.com/impressum"' in page and 'href="https://example.com/datenschutz"' in page
    assert client.get("/privacy/").url == "https://example.com/datenschutz"
    settings.HELPDESK_PRIVACY_URL = ""
    assert "Privacy notice" in client.get("/privacy/").text
