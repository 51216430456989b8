"""Under the Content-Security-Policy (settings CONTENT_SECURITY_POLICY: everything from 'self', no
inline script, handler or style) every page works and the browser reports no violation: the agent's,
the customer's, the knowledge base's, the admin's and the API docs (Swagger UI from our own static
files), with what they load by htmx. Chromium reports a violation twice: as a console error and
as a `securitypolicyviolation` event, both are collected."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect

from knowledgebase.models import Article, ArticleState
from tickets.models import Ticket

pytestmark = pytest.mark.browser

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
});
"""


@pytest.fixture
def demo(transactional_db, settings):
    settings.LANGUAGE_CODE = "en"
    # The admin's pages themselves are walked here, not the second factor in front of them.
    settings.HELPDESK_2FA_REQUIRED_FOR_ADMINS = False
    call_command("seed_demo", stdout=open("/dev/null", "w"))


@pytest.fixture
def violations(page: Page):
    """The CSP violations the browser reported on every page this test opened."""
    found = []
    page.add_init_script(COLLECT_VIOLATIONS)
    page.on("console", lambda message: found.append(f"console: {message.text}")
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text else None)

    def on_page(path):
        events = page.evaluate("window.__cspViolations || []")
        found.extend(f"{path}: {event}" for event in events)

    on_page.found = found
    return on_page


def visit(page: Page, url, violations, path: str, ready: str | None = None):
    response = page.goto(url(path))
    assert response.status < 500, path
    assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", ""), path
    if ready:
        expect(page.locator(ready).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    violations(path)


def user(username):
    return get_user_model().objects.get(username=username)


def test_the_agents_pages_run_under_the_policy(demo, page: Page, url, login_as, violations):
    ticket = Ticket.objects.order_by("id").first()
    article = Article.objects.filter(state=ArticleState.PUBLISHED).first()
    login_as(user("third1"))
    for path, ready in [
        ("/agent/?status=all&tier=all", "table"),
        (f"/agent/tickets/{ticket.reference}/", "[data-testid=timeline]"),
        ("/agent/tickets/new/", "form"),
        ("/agent/customers/?q=Anna", "main"),
        ("/agent/notifications/", "main"),
        ("/kb/", "main"),
        (f"/kb/articles/{article.pk}/", "h1"),
        ("/kb/review/", "main"),
        ("/accounts/api-token/", "main"),
    ]:
        visit(page, url, violations, path, ready)
    # htmx under the policy: the customer search answers while one types.
    page.goto(url("/agent/tickets/new/"))
    page.locator("input[hx-get]").first.press_sequentially("Ann", delay=30)
    expect(page.locator("#customer-results")).to_contain_text("Anna")
    violations("/agent/tickets/new/ (search)")
    assert violations.found == []


def test_the_customers_pages_run_under_the_policy(demo, page: Page, url, login_as, violations):
    anna = user("anna@example.com")
    ticket = Ticket.objects.filter(requester=anna).order_by("id").first()
    article = Article.objects.filter(state=ArticleState.PUBLISHED, audience="public").first()
    login_as(anna)
    for path, ready in [
        ("/portal/", "main"),
        ("/portal/tickets/new/", "[data-testid=kb-suggestions]"),
        (f"/portal/tickets/{ticket.reference}/", "main"),
        ("/kb/", "main"),
        (f"/kb/articles/{article.pk}/?from=ticket&q=x", "h1"),
        ("/no/such/page/", "h1"),
    ]:
        visit(page, url, violations, path, ready)

    # What the inline handlers did still happens, from helpdesk/app.js: "Back to my ticket" goes back,
    page.goto(url(f"/portal/tickets/{ticket.reference}/"))
    page.goto(url(f"/kb/articles/{article.pk}/?from=ticket&q=x"))
    page.get_by_role("button", name="Back to my ticket").click()
    expect(page).to_have_url(url(f"/portal/tickets/{ticket.reference}/"))
    # and choosing a language in the menu switches the page to it.
    page.get_by_label("Language").select_option("de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    violations("language menu")
    assert violations.found == []


def test_visitors_pages_run_under_the_policy(demo, page: Page, url, violations):
    for path, ready in [("/accounts/login/", "form"), ("/accounts/register/", "form"),
                        ("/accounts/password_reset/", "form"), ("/admin/login/", "form")]:
        visit(page, url, violations, path, ready)
    assert violations.found == []


def test_the_admin_and_the_api_docs_run_under_the_policy(demo, page: Page, url, login_as, violations):
    ticket = Ticket.objects.order_by("id").first()
    login_as(user("admin"))
    for path, ready in [
        ("/admin/", "#content"),
        ("/admin/tickets/ticket/", "#result_list"),
        (f"/admin/tickets/ticket/{ticket.pk}/change/", "#content form"),
        ("/admin/tickets/category/add/", "#content form"),
        ("/admin/escalation/", "#content"),
    ]:
        visit(page, url, violations, path, ready)

    # Swagger UI: its files come from our static files (drf-spectacular-sidecar), its start script
    # from /api/docs/?script, and it draws the operations of the schema it fetched.
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    visit(page, url, violations, "/api/docs/", ".opblock")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/tickets/").first).to_be_visible()
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    violations("/api/docs/ (an operation opened)")
    assert [address for address in requested if not address.startswith(url("/"))] == []
    assert any(re.search(r"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle\.js", a) for a in requested)
    assert violations.found == []
