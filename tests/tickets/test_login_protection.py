"""Login protection (django-axes, tickets/logins.py): wrong passwords lock an account and an address
for a while, the right password is then refused with the time to wait, an admin unlocks in the admin."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def fail(client, username, times, path="/accounts/login/"):
    responses = [client.post(path, {"username": username, "password": "wrong-password"}) for _ in range(times)]
    return responses[-1]


def test_the_limit_and_cool_off_come_from_the_settings():
    from helpdesk.settings import base

    assert settings.AXES_FAILURE_LIMIT == base.HELPDESK_LOGIN_FAILURES == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == base.HELPDESK_LOGIN_COOLOFF_MINUTES * 60 == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]


def test_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(client, customer):
    first = fail(client, customer.email, settings.AXES_FAILURE_LIMIT - 1)
    assert first.status_code == 200  # still the form with its error
    locked = fail(client, customer.email, 1)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.text and "15 more minutes" in locked.text
    assert int(locked["Retry-After"]) > 14 * 60

    right = client.post("/accounts/login/", {"username": customer.email, "password": PASSWORD})
    assert right.status_code == 429
    assert "locked for 15 more minutes" in right.text
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_in_german_for_a_german_reader(client, customer):
    locked = fail(client, customer.email, settings.AXES_FAILURE_LIMIT)
    locked = client.post("/accounts/login/", {"username": customer.email, "password": PASSWORD},
                         HTTP_ACCEPT_LANGUAGE="de")
    assert locked.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldungen" in locked.text and "15 Minuten" in locked.text


def test_spelling_the_account_differently_does_not_dodge_the_count(customer, agent1):
    """User name, e-mail address in any case: one account. Each try from a new address."""
    spellings = [agent1.username, agent1.username.upper(), agent1.email, agent1.email.upper(), f" {agent1.username} "]
    for number, spelling in enumerate(spellings):
        Client(REMOTE_ADDR=f"10.0.0.{number}").post("/accounts/login/", {"username": spelling, "password": "nope"})
    response = Client(REMOTE_ADDR="10.0.1.1").post("/accounts/login/", {"username": agent1.username, "password": PASSWORD})
    assert response.status_code == 429


def test_one_address_is_locked_whatever_account_it_tries(client, customer, other_customer, agent1):
    for number in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": f"nobody{number}@example.com", "password": "x"})
    assert client.post("/accounts/login/", {"username": customer.email, "password": PASSWORD}).status_code == 429
    # Another address may still log in to that account.
    assert Client(REMOTE_ADDR="10.9.9.9").post(
        "/accounts/login/", {"username": customer.email, "password": PASSWORD}).status_code == 302


def test_a_successful_login_resets_the_count(client, customer):
    fail(client, customer.email, settings.AXES_FAILURE_LIMIT - 1)
    assert client.post("/accounts/login/", {"username": customer.email, "password": PASSWORD}).status_code == 302
    client.logout()
    assert fail(client, customer.email, settings.AXES_FAILURE_LIMIT - 1).status_code == 200


def test_an_admin_unlocks_in_the_admin_and_the_user_gets_in(client, customer, admin_user):
    fail(client, customer.email, settings.AXES_FAILURE_LIMIT)
    assert AccessAttempt.objects.exists()
    admin = Client(REMOTE_ADDR="10.1.1.1")
    admin.force_login(admin_user)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and customer.email.lower() in listing.text
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = admin.post("/admin/axes/accessattempt/", {
        "action": "delete_selected", "_selected_action": attempts, "post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()

    response = client.post("/accounts/login/", {"username": customer.email, "password": PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(customer.pk)


def test_the_admin_login_locks_too(client, admin_user):
    response = fail(client, admin_user.username, settings.AXES_FAILURE_LIMIT, path="/admin/login/?next=/admin/")
    assert response.status_code == 429 and "Too many failed logins" in response.text
    right = client.post("/admin/login/?next=/admin/", {"username": admin_user.username, "password": PASSWORD})
    assert right.status_code == 429
    assert client.get("/admin/").status_code == 302  # still not in


def test_the_cool_off_ends(client, customer, settings):
    import time_machine
    from django.utils import timezone

    fail(client, customer.email, settings.AXES_FAILURE_LIMIT)
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timezone.timedelta(minutes=1)):
        response = client.post("/accounts/login/", {"username": customer.email, "password": PASSWORD})
    assert response.status_code == 302


def test_behind_a_proxy_the_forwarded_address_counts(settings, rf):
    from tickets.logins import client_ip

    settings.HELPDESK_TRUSTED_PROXIES = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == "203.0.113.7"  # the address our proxy saw, not what the client wrote
    settings.HELPDESK_TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.1"
