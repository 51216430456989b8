"""Registering, logging in with the e-mail address, resetting the password, choosing a language."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

pytestmark = pytest.mark.django_db

User = get_user_model()


def register(client, **overrides):
    data = {"first_name": "Clara", "last_name": "Credo", "email": "Clara@Example.com",
            "password1": "a-long-passphrase", "password2": "a-long-passphrase", "consent": "on", **overrides}
    return client.post("/accounts/register/", data)


def test_a_visitor_registers_and_opens_the_account_with_the_link_in_the_mail(client):
    """The details in tests/tickets/test_registration.py (a known address is answered alike)."""
    from mailchannel.models import OutboundMessage

    response = register(client)
    assert response.status_code == 302 and response.url == "/accounts/register/done/"
    user = User.objects.get()
    assert user.email == "clara@example.com" and not user.is_active
    link = re.search(r"http://[^/\s]+(/accounts/register/confirm/\S+/)", OutboundMessage.objects.get().body_text)
    response = client.post(link.group(1))
    assert response.status_code == 302 and response.url == "/portal/"
    assert client.get("/portal/").status_code == 200


def test_registration_remembers_the_language_the_visitor_uses(client):
    client.post("/accounts/register/", {"first_name": "K", "last_name": "L", "email": "k@example.de",
                                        "password1": "a-long-passphrase", "password2": "a-long-passphrase",
                                        "consent": "on"},
                HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert User.objects.get().profile.language == "de"


@pytest.mark.parametrize("overrides, message", [
    ({"password2": "something-else"}, "The two passwords do not match."),
    ({"password1": "123", "password2": "123"}, "This password is too short."),
    ({"email": "not-an-address"}, "Enter a valid email address."),
])
def test_bad_registrations_are_refused_with_a_reason(client, overrides, message):
    response = register(client, **overrides)
    assert response.status_code == 200
    assert message in response.text
    assert User.objects.count() == 0


def test_customers_log_in_with_their_e_mail_address(client, customer):
    from tests.factories import PASSWORD

    response = client.post("/accounts/login/", {"username": "ALICE@example.com", "password": PASSWORD})
    assert response.status_code == 302


def test_a_wrong_password_is_refused(client, customer):
    response = client.post("/accounts/login/", {"username": customer.email, "password": "nope"})
    assert response.status_code == 200
    assert "do not match" in response.text


def test_a_wrong_password_says_the_combination_is_wrong_in_german(client, customer):
    response = client.post("/accounts/login/", {"username": customer.email, "password": "nope"},
                           HTTP_ACCEPT_LANGUAGE="de")
    assert "passen nicht zusammen" in response.text
    assert "Beide Felder" not in response.text


def test_logging_out_needs_a_post(client, customer):
    client.force_login(customer)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/portal/").status_code == 302


def test_the_password_can_be_reset_by_mail(client, customer):
    client.post("/accounts/password_reset/", {"email": customer.email})
    (message,) = mail.outbox
    link = re.search(r"http://\S+/accounts/reset/\S+/", message.body).group(0)

    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": "brand-new-secret", "new_password2": "brand-new-secret"})
    # Through the login form: the lockout's backend counts only logins that come with a request.
    assert client.post("/accounts/login/", {"username": customer.email, "password": "brand-new-secret"}).status_code == 302


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, db):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_an_unknown_language_changes_nothing(client, customer):
    client.force_login(customer)
    client.post("/language/", {"language": "xx"})
    customer.profile.refresh_from_db()
    assert customer.profile.language == "en"


def test_people_create_and_replace_their_own_api_token(client, customer):
    from rest_framework.authtoken.models import Token

    client.force_login(customer)
    assert "You have no API token yet." in client.get("/accounts/api-token/").text
    client.post("/accounts/api-token/")
    first = Token.objects.get(user=customer).key
    assert first in client.get("/accounts/api-token/").text
    client.post("/accounts/api-token/")
    assert Token.objects.get(user=customer).key != first


def test_the_token_page_needs_a_login(client, db):
    assert client.get("/accounts/api-token/").status_code == 302
