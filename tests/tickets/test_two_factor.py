"""Two-factor authentication (tickets/twofactor.py): enrolment with a QR code and recovery codes, the
verify step after the password, required for admins by default, optional for agents, never for customers."""

import re

import pytest
from django.conf import settings as django_settings
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def product_defaults(settings):
    """The product's defaults (test settings turn the admins' requirement off for the other tests)."""
    settings.HELPDESK_2FA_REQUIRED_FOR_ADMINS = True
    settings.HELPDESK_2FA_REQUIRED_FOR_AGENTS = False


def code_for(device, offset=0):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset):06d}"


def password_login(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def enrol(client, user):
    """Enrol through the pages; returns (device, recovery codes)."""
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/accounts/two-factor/", {"code": code_for(device)})
    assert response.status_code == 200, response.text
    codes = re.findall(r"<li class=\"col-6\">([a-z0-9]+)</li>", response.text)
    device.refresh_from_db()
    return device, codes


def test_the_product_requires_it_for_admins_and_not_for_agents():
    from helpdesk.settings import base

    assert base.HELPDESK_2FA_REQUIRED_FOR_ADMINS is True
    assert base.HELPDESK_2FA_REQUIRED_FOR_AGENTS is False


def test_enrolment_shows_a_qr_code_and_the_key_and_confirms_with_a_code(client, agent1):
    password_login(client, agent1)
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200
    assert "<svg" in page.text and "<path" in page.text  # inline, drawn here
    assert "http" not in page.text.split('data-testid="qr-code"')[1].split("</div>")[0].replace(
        "http://www.w3.org", "")  # no outside image service
    device = TOTPDevice.objects.get(user=agent1, confirmed=False)
    import base64
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert " ".join(key[i:i + 4] for i in range(0, len(key), 4)) in page.text

    wrong = client.post("/accounts/two-factor/", {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert "This code is not right" in wrong.text
    assert not TOTPDevice.objects.filter(user=agent1, confirmed=True).exists()

    device, codes = enrol(client, agent1) if False else (device, None)
    response = client.post("/accounts/two-factor/", {"code": code_for(device)})
    assert response.status_code == 200
    codes = re.findall(r"<li class=\"col-6\">([a-z0-9]+)</li>", response.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=agent1).confirmed
    assert StaticToken.objects.filter(device__user=agent1).count() == 10
    # This session has passed the second step.
    assert client.get("/agent/").status_code == 200
    assert "Two-factor authentication is on" in client.get("/accounts/two-factor/").text


def test_after_the_password_an_enrolled_agent_must_pass_the_verify_step(client, agent1):
    password_login(client, agent1)
    device, _codes = enrol(client, agent1)
    client.logout()

    response = password_login(client, agent1)
    queue = client.get("/agent/")
    assert queue.status_code == 302 and queue.url.startswith("/accounts/two-factor/verify/?next=/agent/")
    assert client.get("/admin/").status_code == 302
    assert client.get("/accounts/api-token/").status_code == 302  # no token without the second step
    assert client.get("/api/v1/tickets/").status_code == 403
    # No way round it by enrolling a new device.
    assert client.get("/accounts/two-factor/").url.startswith("/accounts/two-factor/verify/")

    wrong = client.post("/accounts/two-factor/verify/", {"code": "12345", "next": "/agent/"})
    assert wrong.status_code == 200 and "This code is not right" in wrong.text
    right = client.post("/accounts/two-factor/verify/", {"code": code_for(device, offset=1), "next": "/agent/"})
    assert right.status_code == 302 and right.url == "/agent/"
    assert client.get("/agent/").status_code == 200
    assert response  # the password step itself answered as always


def test_a_recovery_code_works_once(client, agent1):
    password_login(client, agent1)
    _device, codes = enrol(client, agent1)
    client.logout()

    password_login(client, agent1)
    assert client.post("/accounts/two-factor/verify/", {"code": codes[0].upper()}).status_code == 302
    assert client.get("/agent/").status_code == 200
    assert StaticToken.objects.filter(device__user=agent1).count() == 9
    client.logout()

    password_login(client, agent1)
    again = client.post("/accounts/two-factor/verify/", {"code": codes[0]})
    assert again.status_code == 200 and "This code is not right" in again.text
    assert client.get("/agent/").status_code == 302
    assert client.post("/accounts/two-factor/verify/", {"code": codes[1]}).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, agent1):
    password_login(client, agent1)
    _device, codes = enrol(client, agent1)
    response = client.post("/accounts/two-factor/", {"action": "recovery"})
    new = re.findall(r"<li class=\"col-6\">([a-z0-9]+)</li>", response.text)
    assert len(new) == 10 and not set(new) & set(codes)
    assert set(StaticToken.objects.filter(device__user=agent1).values_list("token", flat=True)) == set(new)


def test_an_admin_without_a_device_is_sent_to_enrolment_on_the_admin_and_agent_pages(client, admin_user):
    password_login(client, admin_user)
    for path in ("/admin/", "/admin/tickets/tier/", "/agent/"):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/accounts/two-factor/?next="), path
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200 and "Your account needs a second factor" in page.text
    device = TOTPDevice.objects.get(user=admin_user)
    client.post("/accounts/two-factor/", {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200
    # Required: it cannot be turned off.
    client.post("/accounts/two-factor/", {"action": "disable"})
    assert TOTPDevice.objects.filter(user=admin_user, confirmed=True).exists()


def test_the_admin_login_asks_for_the_second_step_too(client, admin_user):
    client.post("/accounts/login/", {"username": admin_user.username, "password": PASSWORD})
    device, _codes = enrol(client, admin_user)
    client.logout()
    response = client.post("/admin/login/?next=/admin/", {"username": admin_user.username, "password": PASSWORD,
                                                          "next": "/admin/"})
    assert response.status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/accounts/two-factor/verify/")
    client.post("/accounts/two-factor/verify/", {"code": code_for(device, offset=1)})
    assert client.get("/admin/").status_code == 200


def test_for_agents_it_is_optional_unless_the_setting_requires_it(client, agent1, settings):
    password_login(client, agent1)
    assert client.get("/agent/").status_code == 200  # not enrolled, not required
    settings.HELPDESK_2FA_REQUIRED_FOR_AGENTS = True
    response = client.get("/agent/")
    assert response.status_code == 302 and response.url.startswith("/accounts/two-factor/")


def test_an_agent_may_turn_it_off_again(client, agent1):
    password_login(client, agent1)
    enrol(client, agent1)
    client.post("/accounts/two-factor/", {"action": "disable"})
    assert not TOTPDevice.objects.filter(user=agent1).exists()
    client.logout()
    password_login(client, agent1)
    assert client.get("/agent/").status_code == 200


def test_customers_are_not_affected(client, customer, settings):
    settings.HELPDESK_2FA_REQUIRED_FOR_AGENTS = True
    client.post("/accounts/login/", {"username": customer.email, "password": PASSWORD})
    assert client.get("/portal/").status_code == 200
    assert client.get("/accounts/two-factor/").status_code == 302  # nothing to enrol
    assert not TOTPDevice.objects.filter(user=customer).exists()


def test_an_api_token_is_not_held_up(client, agent1):
    from rest_framework.authtoken.models import Token

    password_login(client, agent1)
    enrol(client, agent1)
    token = Token.objects.create(user=agent1)
    from django.test import Client

    api = Client()
    assert api.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200


def test_enrolling_ends_the_sessions_that_passed_no_second_step(client, agent1):
    from django.test import Client

    other = Client()
    password_login(other, agent1)
    assert other.get("/agent/").status_code == 200
    password_login(client, agent1)
    enrol(client, agent1)
    assert other.get("/agent/").status_code == 302 and other.get("/agent/").url.startswith("/accounts/login/")
    assert client.get("/agent/").status_code == 200


def test_a_removed_device_does_not_lock_its_owner_out(client, admin_user):
    """A lost phone: the admin deletes the device; the next visit to the verify page sends the owner
    on to enrolment instead of asking for a code nobody can give."""
    password_login(client, admin_user)
    enrol(client, admin_user)
    client.logout()
    password_login(client, admin_user)
    assert client.get("/admin/").url.startswith("/accounts/two-factor/verify/")
    TOTPDevice.objects.filter(user=admin_user).delete()
    from django_otp.plugins.otp_static.models import StaticDevice

    StaticDevice.objects.filter(user=admin_user).delete()
    response = client.get("/accounts/two-factor/verify/?next=/admin/")
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").url.startswith("/accounts/two-factor/?next=")


def test_the_admin_removes_a_device_but_never_sees_its_secrets(client, agent1, admin_user, settings):
    settings.HELPDESK_2FA_REQUIRED_FOR_ADMINS = False  # the admin's own second step is not the point here
    from django.test import Client
    from django_otp.plugins.otp_static.models import StaticDevice

    password_login(client, agent1)
    device, codes = enrol(client, agent1)
    admin = Client()
    admin.force_login(admin_user)
    page = admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert page.status_code == 200 and device.key not in page.text
    assert admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code == 403
    assert admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code == 403
    assert admin.get("/admin/otp_totp/totpdevice/999999/config/").status_code == 403
    static = StaticDevice.objects.get(user=agent1)
    page = admin.get(f"/admin/otp_static/staticdevice/{static.pk}/change/")
    assert page.status_code == 200 and not any(code in page.text for code in codes)
    response = admin.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not TOTPDevice.objects.filter(pk=device.pk).exists()


def test_the_pages_speak_german(client, agent1):
    password_login(client, agent1)
    page = client.get("/accounts/two-factor/", HTTP_ACCEPT_LANGUAGE="de")
    assert "Zwei-Faktor" in page.text
    assert django_settings.OTP_TOTP_ISSUER == "Helpdesk"
