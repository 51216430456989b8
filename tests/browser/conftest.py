"""Helpers for the browser tests: an English desktop browser by default, logging in by cookie,
uploads kept out of the repository, and a check that no page throws a JavaScript error."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import Page, expect

# A page of this app renders server-side in well under a second; five seconds is plenty and keeps a
# failing expectation from stalling the run.
EXPECT_TIMEOUT = 5_000
expect.set_options(timeout=EXPECT_TIMEOUT)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """English desktop browser unless a test says otherwise with
    `@pytest.mark.browser_context_args(locale=..., viewport=...)`. Reduced motion turns Bootstrap's
    collapse and fade animations off, so a test never clicks into a half-finished transition."""
    return {
        **browser_context_args,
        "locale": "en-US",
        "viewport": {"width": 1280, "height": 900},
        "reduced_motion": "reduce",
    }


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    """Attachments the tests upload land in a temporary folder, never in the repository's media/."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _no_javascript_errors(page: Page):
    """Every test fails if a page threw an uncaught JavaScript error (Bootstrap or htmx missing, ...).
    Actions give up after 10 s instead of 30."""
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def url(live_server):
    """`url("/portal/")` -> the absolute address on the live server."""
    return lambda path: f"{live_server.url}{path}"


@pytest.fixture
def login_as(page: Page, live_server):
    """Log the browser in as `user` without the login form: a session made by Django's test client,
    handed to the browser as its session cookie. Logging in as somebody else replaces the cookie."""

    def _login(user):
        client = Client()
        client.force_login(user)
        session_cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        page.context.clear_cookies()
        page.context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": session_cookie, "url": live_server.url}]
        )
        return page

    return _login

