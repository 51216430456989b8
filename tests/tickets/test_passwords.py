"""Passwords: Argon2 hashes; changing (or resetting) a password ends the person's other sessions."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from helpdesk.models import LoginSession
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_argon2_hashes_new_passwords_and_older_hashes_still_work(settings, customer):
    from django.contrib.auth.hashers import check_password, make_password

    from helpdesk.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    encoded = make_password("a-long-passphrase")
    assert encoded.startswith("argon2$")
    assert check_password("a-long-passphrase", encoded)
    # A PBKDF2 hash of before is accepted and upgraded at the next login.
    customer.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    customer.save()
    response = Client().post("/accounts/login/", {"username": customer.email, "password": PASSWORD})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.password.startswith("argon2$")


def logged_in(user):
    client = Client()
    assert client.post("/accounts/login/", {"username": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(customer, other_customer):
    laptop, phone, tablet = logged_in(customer), logged_in(customer), logged_in(customer)
    someone_else = logged_in(other_customer)
    assert LoginSession.objects.filter(user=customer).count() == 3
    phone_key = phone.session.session_key

    response = laptop.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": "another-long-passphrase",
        "new_password2": "another-long-passphrase"})
    assert response.status_code == 302

    # Gone from the database (and the cache), not only refused at the next request.
    assert not Session.objects.filter(session_key=phone_key).exists()
    assert [key for key in LoginSession.objects.filter(user=customer).values_list("session_key", flat=True)] == [
        laptop.session.session_key]
    for client in (phone, tablet):
        response = client.get("/portal/")
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert laptop.get("/portal/").status_code == 200
    assert someone_else.get("/portal/").status_code == 200


def test_a_password_reset_ends_every_session(client, customer):
    import re

    from django.core import mail

    phone = logged_in(customer)
    client.post("/accounts/password_reset/", {"email": customer.email})
    link = re.search(r"http://\S+/accounts/reset/\S+/", mail.outbox[-1].body).group(0)
    path = "/" + link.split("/", 3)[3]
    form = client.get(path, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": "another-long-passphrase",
                                             "new_password2": "another-long-passphrase"})
    assert not LoginSession.objects.filter(user=customer).exists()
    assert phone.get("/portal/").status_code == 302


def test_logging_out_forgets_the_session(customer):
    client = logged_in(customer)
    client.post("/accounts/logout/")
    assert not LoginSession.objects.filter(user=customer).exists()
