"""Every page carries the Content-Security-Policy (settings CONTENT_SECURITY_POLICY, django-csp), and
no template or Python-drawn piece of ours needs what it forbids (inline scripts, inline handlers,
inline styles). The pages are found as tests/test_german_pages.py finds them (every reader's links
from their start pages, on demo data), plus every address of the URL configuration without
parameters, the admin, the API docs and the error pages. tests/browser/test_csp.py runs them in
Chromium and listens for violations."""

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path

from helpdesk import urls as project_urls
from tests.test_german_pages import READERS, crawl, demo  # noqa: F401  (demo: a fixture)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
DIRECTIVES = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
    "font-src": "'self'", "connect-src": "'self'", "frame-ancestors": "'none'", "object-src": "'none'",
    "base-uri": "'self'", "form-action": "'self'",
}


def policy(response) -> dict:
    header = response.get("Content-Security-Policy", "")
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


def assert_strict(where, response):
    assert policy(response) == DIRECTIVES, f"{where}: {response.get('Content-Security-Policy')}"


class RecordingClient(Client):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.answers = []

    def get(self, path, *args, **kwargs):
        response = super().get(path, *args, **kwargs)
        self.answers.append((path, response))
        return response


def test_every_page_a_reader_reaches_carries_the_policy(demo):  # noqa: F811
    answers = []
    for username, starts in READERS.values():
        client = RecordingClient()
        if username:
            client.force_login(get_user_model().objects.get(username=username))
        crawl(client, starts, [], [])
        answers += client.answers
    assert len(answers) > 100
    for where, response in answers:
        assert_strict(where, response)
    pages = [r for _, r in answers if r.status_code == 200 and "text/html" in r.get("Content-Type", "")]
    for response in pages:
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>", html), response.wsgi_request.path
        assert not re.search(r"\son[a-z]+\s*=", html), response.wsgi_request.path
        assert not re.search(r"\sstyle\s*=|<style", html), response.wsgi_request.path


def _paths_without_parameters(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if "<" in route or "(" in route or "^" in route.lstrip("^") or "\\" in route:
            continue
        if isinstance(pattern, URLResolver):
            yield from _paths_without_parameters(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield "/" + route.lstrip("^").rstrip("$")


def test_every_address_of_the_url_configuration_carries_the_policy(admin_user, customer):
    paths = sorted(set(_paths_without_parameters(get_resolver().url_patterns)))
    assert {"/", "/api/docs/", "/api/schema/", "/admin/", "/portal/", "/agent/", "/kb/"} <= set(paths)
    for user in (None, customer, admin_user):
        client = Client()
        if user:
            client.force_login(user)
        for address in paths:
            if address.endswith("logout/"):
                continue
            assert_strict(f"{address} as {user}", client.get(address))


def test_the_api_docs_load_nothing_inline_and_nothing_from_elsewhere(admin_user, client):
    client.force_login(admin_user)
    page = client.get("/api/docs/")
    html = page.content.decode()
    assert_strict("/api/docs/", page)
    sources = re.findall(r"""(?:src|href)="([^"]+)\"""", html)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in sources
    assert not re.search(r"<script>|<style", html)
    script = client.get(sources[-1])
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


def test_the_error_pages_carry_the_policy(client):
    assert_strict("404", client.get("/no/such/page/"))
    assert_strict("400 (foreign host)", client.get("/", HTTP_HOST="helpdesk.invalid"))
    assert_strict("413", client.post("/accounts/login/", "x" * 10, content_type="text/plain",
                                      CONTENT_LENGTH=str(64 * 1024 * 1024)))


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [path("crash/", crash), *project_urls.urlpatterns]
handler500 = project_urls.handler500


def test_the_server_error_page_allows_its_own_style_by_hash_and_nothing_else(settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    response = client.get("/crash/")
    assert response.status_code == 500
    css = re.search(r"<style>(.*?)</style>", response.content.decode(), re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert policy(response) == {**DIRECTIVES, "style-src": f"'self' 'sha256-{digest}'"}
    assert " style=" not in response.content.decode()


def test_no_template_of_ours_has_an_inline_script_or_handler():
    templates = [p for p in ROOT.glob("**/templates/**/*.html") if ".venv" not in p.parts and "staticfiles" not in p.parts
                 and "mail" not in p.parent.name]  # mail bodies (mailchannel/templates/.../mail/) go to mail programs
    python = [ROOT / "helpdesk" / "markup.py", ROOT / "helpdesk" / "icons.py"]
    assert len(templates) > 30
    for source in templates + python:
        text = source.read_text()
        assert not re.search(r"<script>|<script(?![^>]*\b(src=|type=\"application/json\"))[^>]*>", text), source
        assert not re.search(r"\son(change|click|submit|load|input|keyup|keydown|error)\s*=", text), source
        assert "javascript:" not in text, source
