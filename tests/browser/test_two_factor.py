"""Two-factor authentication in the browser: an admin's first login goes through enrolment (QR code,
manual key, a code from the app, recovery codes), the next login asks for a code after the password,
and a recovery code stands in for a lost phone. The app's codes are computed from the key on the page,
as an authenticator app would."""

import base64
import re

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def app_code(manual_key: str, *, later: int = 0) -> str:
    key = "".join(manual_key.split())
    key += "=" * (-len(key) % 8)
    return f"{totp(base64.b32decode(key), step=30, t0=0, digits=6, drift=later):06d}"


def log_in(page: Page, url, username, path="/admin/login/?next=/admin/"):
    page.goto(url(path))
    page.get_by_label(re.compile("Username|E-mail address or user name")).fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_an_admin_enrols_at_the_first_login_and_then_logs_in_with_a_code(page: Page, url, settings, admin_user):
    settings.HELPDESK_2FA_REQUIRED_FOR_ADMINS = True
    log_in(page, url, admin_user.username)

    # Sent to enrolment before the admin opens.
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?next=/admin/"))
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    expect(page.get_by_test_id("qr-code").locator("svg path")).to_have_count(1)
    manual_key = page.get_by_test_id("manual-key").inner_text()
    page.get_by_role("textbox", name="Code").fill("000000" if app_code(manual_key) != "000000" else "111111")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("This code is not right")).to_be_visible()
    page.get_by_role("textbox", name="Code").fill(app_code(manual_key))
    page.get_by_role("button", name="Turn on").click()

    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    recovery = codes.first.inner_text()
    page.get_by_role("link", name="I have saved them").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("heading", name="Configuration")).to_be_visible()

    # Next login: the password, then a code.
    page.get_by_role("button", name="Log out").first.click()
    log_in(page, url, admin_user.username)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/\?next="))
    page.get_by_role("textbox", name="Code").fill(app_code(manual_key, later=1))  # the app's next code: each is used once
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Configuration")).to_be_visible()

    # A recovery code instead of the phone, once.
    page.context.clear_cookies()
    log_in(page, url, admin_user.username)
    page.get_by_role("textbox", name="Code").fill(recovery)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Configuration")).to_be_visible()
    page.context.clear_cookies()
    log_in(page, url, admin_user.username)
    page.get_by_role("textbox", name="Code").fill(recovery)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("This code is not right")).to_be_visible()


def test_an_agent_turns_it_on_from_the_account_page(page: Page, url, agent1):
    log_in(page, url, agent1.username, path="/accounts/login/")
    expect(page).to_have_url(re.compile(r"/agent/"))  # optional for agents: straight in
    page.get_by_test_id("current-user").click()
    page.get_by_role("link", name="Two-factor authentication").click()
    manual_key = page.get_by_test_id("manual-key").inner_text()
    page.get_by_role("textbox", name="Code").fill(app_code(manual_key))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.goto(url("/accounts/two-factor/"))
    expect(page.get_by_test_id("two-factor-status")).to_contain_text("Two-factor authentication is on")

    page.context.clear_cookies()
    log_in(page, url, agent1.username, path="/accounts/login/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))
    page.get_by_role("textbox", name="Code").fill(app_code(manual_key, later=1))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/agent/"))
