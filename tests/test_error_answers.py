"""Safe defaults: `make run` listens on this machine only and without Django's debug pages; too large a
body is a 413 and too long an address a 414, our page in the reader's language or JSON under /api/,
like a foreign Host header's 400 (helpdesk/web/errors.py). gunicorn's own limit (helpdesk/gunicorn_conf.py) is
checked against a real gunicorn."""

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import RequestFactory
from django.utils import translation

from helpdesk.web import errors

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
RUN_SH = (ROOT / "scripts" / "run.sh").read_text()
MB = 1024 * 1024


def over_the_limit(settings) -> str:
    return "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)


# --- 413 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language, words", [
    ("de", ["Zu groß", "höchstens 5,0\xa0MB", "Zurück zur Startseite"]),
    ("en", ["Too large", "at most 5.0\xa0MB", "Back to the start page"]),
])
def test_a_form_over_the_limit_gets_our_too_large_page(client, settings, language, words):
    response = client.post("/accounts/login/", {"username": over_the_limit(settings), "password": "x"},
                           HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 413
    assert f'<html lang="{language}">' in response.text
    for word in words:
        assert word in response.text
    assert "DATA_UPLOAD_MAX_MEMORY_SIZE" not in response.text and "Traceback" not in response.text


def test_the_api_answers_a_body_over_the_limit_with_json(client, agent1, settings):
    client.force_login(agent1)
    body = json.dumps({"subject": "Big", "description": over_the_limit(settings)})
    response = client.post("/api/v1/tickets/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Die Anfrage ist zu groß: höchstens 5,0\xa0MB Daten neben höchstens "
                                         "5 Anhängen mit je 10,0\xa0MB."}


def test_an_anonymous_api_call_over_the_limit_is_refused_before_it_is_read(client, settings):
    response = client.generic("POST", "/api/v1/tickets/", b"{}", content_type="application/json",
                              CONTENT_LENGTH=str(64 * MB), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert response.json()["detail"].startswith("The request is too large: at most 5.0\xa0MB of data")


def test_attachments_within_their_limits_pass(client, customer, tiers, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    client.force_login(customer)
    big_file = SimpleUploadedFile("dump.bin", b"\0" * (6 * MB), content_type="application/octet-stream")
    response = client.post("/api/v1/tickets/", {"subject": "Dump", "description": "Attached.", "attachments": [big_file]})
    assert response.status_code == 201, response.content


def test_too_large_raised_while_reading_is_a_413_too():
    request = RequestFactory().post("/portal/tickets/new/")
    with translation.override("en"):
        assert errors.bad_request(request, RequestDataTooBig()).status_code == 413
        api = errors.bad_request(RequestFactory().post("/api/v1/tickets/"), RequestDataTooBig())
    assert api.status_code == 413 and api["Content-Type"] == "application/json"


# --- 414 and 400 --------------------------------------------------------------------------------


def test_an_api_address_too_long_is_a_414(client, db):
    long_query = "q=" + "a" * errors.MAX_URI_LENGTH
    response = client.get(f"/api/v1/tickets/?{long_query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 414
    assert response.json() == {"detail": f"The address is too long: at most {errors.MAX_URI_LENGTH} characters."}
    # Pages take them (up to gunicorn's limit): the portal's suggestions send what one is writing.
    assert client.get(f"/kb/?{long_query}").status_code == 200
    assert client.get("/api/v1/tickets/?q=" + "a" * 3000).status_code == 401  # within the limit


@pytest.mark.parametrize("path", ["/api/v1/tickets/", "/api/v1/no-such-thing/", "/api/schema/"])
def test_a_foreign_host_gets_json_under_the_api(client, path):
    response = client.get(path, HTTP_HOST="helpdesk.invalid", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Ungültige Anfrage."}
    assert client.post(path, "{}", content_type="application/json", HTTP_HOST="helpdesk.invalid").status_code == 400


def test_a_foreign_host_gets_our_page_elsewhere(client):
    response = client.post("/accounts/login/", {"username": "x"}, HTTP_HOST="helpdesk.invalid", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Bad request" in response.text and "ALLOWED_HOSTS" not in response.text


# --- make run -----------------------------------------------------------------------------------


def test_make_run_listens_on_this_machine_unless_told_otherwise():
    assert "BIND=${HELPDESK_BIND:-127.0.0.1}" in RUN_SH
    gunicorn = re.search(r"^gunicorn .*?(?<!\\)\n", RUN_SH, re.MULTILINE | re.DOTALL).group(0)
    assert '--bind "$BIND:$PORT"' in gunicorn and "0.0.0.0" not in gunicorn


def _settings_debug(**environment) -> bool:
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"}
    env.update(environment, DJANGO_SETTINGS_MODULE="helpdesk.settings.local")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip() == "True"


def test_make_run_has_debug_off_unless_asked():
    default = re.search(r"export DJANGO_DEBUG=\$\{DJANGO_DEBUG:-(\w+)\}", RUN_SH).group(1)
    assert _settings_debug(DJANGO_DEBUG=default) is False
    assert _settings_debug(DJANGO_DEBUG="1") is True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port, target) -> tuple[int, str, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET {target} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    content_type = next((line.split(b":", 1)[1].strip().decode() for line in head.split(b"\r\n")
                         if line.lower().startswith(b"content-type:")), "")
    return status, content_type, body


GUNICORN_CONF = "helpdesk/gunicorn_conf.py"


def test_every_way_of_serving_reads_the_gunicorn_settings():
    compose = (ROOT / "docker-compose.yml").read_text()
    for text in (RUN_SH, compose):
        assert f"gunicorn -c {GUNICORN_CONF} helpdesk.wsgi:application" in text


def test_gunicorn_with_the_limits_of_make_run():
    """Addresses up to gunicorn's request line limit (helpdesk/gunicorn_conf.py, which make run and
    docker-compose use) reach the helpdesk, which answers those over MAX_URI_LENGTH with its JSON
    414; longer request lines get gunicorn's own (plain) 414."""
    from helpdesk import gunicorn_conf

    limit = gunicorn_conf.limit_request_line
    assert limit > errors.MAX_URI_LENGTH + 100
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.settings.test"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONF, "helpdesk.wsgi:application",
                               "--bind", f"127.0.0.1:{port}", "--workers", "1"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        status, content_type, body = _get(port, "/api/v1/tickets/?q=" + "a" * (limit - 100))
        assert (status, content_type) == (414, "application/json")
        assert json.loads(body)["detail"].startswith("The address is too long")
        status, _, _ = _get(port, "/api/v1/tickets/?q=" + "a" * (limit + 10))
        assert status == 414  # gunicorn's own
    finally:
        server.terminate()
        server.wait(timeout=10)
