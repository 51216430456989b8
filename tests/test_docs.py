"""The README tells the truth: every environment variable the settings and `make run` read is in
its table (and nothing else is), every prefix under /api/v1/ is listed, and the OpenAPI text names
the real value of the open-statuses filter."""

import re
from pathlib import Path

import pytest
from django.urls import get_resolver

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end > 0 else None]


def documented_variables() -> set[str]:
    rows = [line for line in README.splitlines() if line.startswith("| `") and "|" in line[3:]]
    names = set()
    for row in rows:
        first_cell = row.split("|")[1]
        names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def variables_read() -> set[str]:
    names = set()
    for path in (ROOT / "helpdesk" / "settings").glob("*.py"):
        names |= set(re.findall(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']""", path.read_text()))
    run = (ROOT / "scripts" / "run.sh").read_text()
    names |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]+):-", run))
    names.add("DJANGO_SETTINGS_MODULE")  # read by manage.py, wsgi.py and celery.py
    return names


def test_every_environment_variable_is_in_the_readme_table():
    assert variables_read() - documented_variables() == set()


def test_the_table_names_no_variable_that_nothing_reads():
    assert documented_variables() - variables_read() == set()


def _api_prefixes() -> set[str]:
    def walk(patterns, prefix=""):
        for pattern in patterns:
            path = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, path)
            else:
                yield path

    prefixes = set()
    for path in walk(get_resolver().url_patterns):
        if path.startswith("api/v1/"):
            first = path[len("api/v1/"):].lstrip("^").split("/")[0]
            if first and not first.startswith("<") and not first.startswith("("):
                prefixes.add(re.sub(r"[^\w-]", "", first))
    return prefixes


def test_every_api_prefix_is_listed():
    api = _section("API")
    missing = [prefix for prefix in sorted(_api_prefixes()) if f"`{prefix}/`" not in api]
    assert _api_prefixes() >= {"tickets", "kb", "customers", "mail", "notifications"}
    assert missing == []


@pytest.mark.django_db
def test_the_openapi_text_names_the_open_statuses_filter_as_it_is(client):
    from tickets.filters import STATUS_OPEN

    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert f"status={STATUS_OPEN}" in schema
    assert "`status=open` lists the open statuses" not in schema
