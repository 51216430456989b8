"""Registration tells nobody whether an address has an account: the same answer for a new and a known
address, and a mail to the address through the outbox (a link that opens the new account, or for a
known one "someone tried to register with your address")."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from mailchannel.models import OutboundKind, OutboundMessage
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()


def register(client, email="clara@example.com", **overrides):
    data = {"first_name": "Clara", "last_name": "Credo", "email": email, "password1": "a-long-passphrase",
            "password2": "a-long-passphrase", "consent": "on", **overrides}
    return client.post("/accounts/register/", data)


def link_in(outbound, kind="register/confirm|reset"):
    """The path of the mail's link that confirms or resets (not the login address)."""
    return re.search(rf"http://[^/\s]+(/accounts/(?:{kind})/\S+/)", outbound.body_text).group(1)


def without_csrf_tokens(content: bytes) -> bytes:
    return re.sub(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', rb"\1", content)


def comparable(response):
    """What a visitor sees: status, where it leads, the page; and which cookies are set."""
    return response.status_code, response.get("Location"), sorted(response.cookies.keys())


def test_a_known_address_gets_exactly_the_answer_of_a_new_one(customer):
    new = register(Client(), email="new@example.com")
    known = register(Client(), email=customer.email.upper())
    assert comparable(new) == comparable(known) == (302, "/accounts/register/done/", [])
    done_new = Client().get(new["Location"])
    done_known = Client().get(known["Location"])
    assert without_csrf_tokens(done_new.content) == without_csrf_tokens(done_known.content)
    assert "We have sent a mail to the address you entered" in done_new.text


def test_a_known_address_gets_a_mail_instead_and_nothing_changes(customer, django_capture_on_commit_callbacks):
    before = User.objects.get(pk=customer.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        register(Client(), email=customer.email.upper(), first_name="Mallory", password1="x-other-passphrase",
                 password2="x-other-passphrase")
    assert len(callbacks) == 1  # the delivery, after commit
    assert User.objects.count() == 1
    after = User.objects.get(pk=customer.pk)
    assert (after.first_name, after.password, after.is_active) == (before.first_name, before.password, True)
    mail = OutboundMessage.objects.get()
    assert mail.kind == OutboundKind.REGISTRATION_KNOWN and mail.is_automatic
    assert mail.to == [f"Alice Anders <{customer.email}>"]
    assert mail.subject == "Someone tried to register with your address"
    assert "someone tried to register a new account" in mail.body_text
    # The link in it sets a new password for the owner.
    path = link_in(mail)
    assert path.startswith("/accounts/reset/")
    client = Client()
    form = client.get(path, follow=True)
    assert "new_password1" in form.text
    client.post(form.redirect_chain[-1][0], {"new_password1": "brand-new-passphrase",
                                             "new_password2": "brand-new-passphrase"})
    assert Client().post("/accounts/login/", {"username": customer.email,
                                              "password": "brand-new-passphrase"}).status_code == 302


def test_the_owner_reads_it_in_their_language(customer):
    customer.profile.language = "de"
    customer.profile.save()
    register(Client(), email=customer.email)  # the visitor's browser speaks English
    mail = OutboundMessage.objects.get()
    assert mail.language == "de" and "versucht" in mail.body_text


def test_a_new_address_opens_its_account_with_the_link_once():
    response = register(Client(), email="Clara@Example.com")
    assert response["Location"] == "/accounts/register/done/"
    user = User.objects.get()
    assert user.email == "clara@example.com" and not user.is_active
    # Not in before the address is confirmed.
    assert Client().post("/accounts/login/", {"username": "clara@example.com",
                                              "password": "a-long-passphrase"}).status_code == 200
    mail = OutboundMessage.objects.get()
    assert mail.kind == OutboundKind.REGISTRATION and mail.to == ["Clara Credo <clara@example.com>"]
    path = link_in(mail)
    assert path.startswith("/accounts/register/confirm/")

    client = Client()
    page = client.get(path)  # a mail program that opens the link opens no account
    assert page.status_code == 200 and "Open my account" in page.text
    assert not User.objects.get().is_active
    opened = client.post(path)
    assert opened.status_code == 302 and opened["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    assert User.objects.get().is_active

    again = Client().post(path)
    assert again.status_code == 400 and "This link is not valid" in again.text


def test_registering_again_before_confirming_sends_the_link_again():
    register(Client())
    register(Client())
    assert User.objects.count() == 1
    assert list(OutboundMessage.objects.values_list("kind", flat=True)) == [OutboundKind.REGISTRATION] * 2


def test_a_deactivated_account_is_not_reopened_by_registering(customer):
    customer.is_active = False
    customer.save()
    register(Client(), email=customer.email)
    assert OutboundMessage.objects.get().kind == OutboundKind.REGISTRATION_KNOWN
    customer.refresh_from_db()
    assert not customer.is_active


def test_a_forged_link_opens_nothing():
    register(Client())
    path = link_in(OutboundMessage.objects.get())
    forged = re.sub(r"/[^/]+/$", "/abc-123/", path)
    assert Client().post(forged).status_code == 400
    assert not User.objects.get().is_active
