"""The shape of the code base: which app may import which, and every app laid out alike.

Read from the source (ast), not by importing, so a lazy import inside a function counts too.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_APPS = ("tickets", "escalation", "knowledgebase", "mailchannel", "problems", "privacy", "macros")

# Who may depend on whom. `tickets` is the core; the others build on it and meet only through its hooks
# (tickets.signals, tickets.presenters). The project package (`helpdesk`) wires them together.
ALLOWED = {
    "tickets": set(),
    "escalation": {"tickets"},
    "knowledgebase": {"tickets"},
    "mailchannel": {"tickets"},
    # A problem's known error is a knowledge article; candidates reuse the knowledge base's search configurations.
    "problems": {"tickets", "knowledgebase"},
    # Personal data lives in every app: export and erasure read and anonymise them all; none imports it.
    "privacy": {"tickets", "escalation", "knowledgebase", "mailchannel"},
    # Text modules send their reply and changes through the ticket services.
    "macros": {"tickets"},
}


def _imports(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a file imports, anywhere in it, with relative imports made absolute."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _app_files(app: str, root: Path = ROOT):
    return [p for p in (root / app).rglob("*.py") if "migrations" not in p.parts]


def _imports_by_app(root: Path = ROOT) -> dict[str, dict[str, set[Path]]]:
    """app -> imported app -> the files that import it."""
    result: dict[str, dict[str, set[Path]]] = {}
    for app in DOMAIN_APPS:
        for path in _app_files(app, root):
            for module in _imports(path, root):
                top = module.split(".")[0]
                if top in DOMAIN_APPS and top != app:
                    result.setdefault(app, {}).setdefault(top, set()).add(path.relative_to(root))
    return result


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_an_app_imports_only_the_apps_it_builds_on(app):
    imported = _imports_by_app().get(app, {})
    forbidden = {other: sorted(map(str, files)) for other, files in imported.items() if other not in ALLOWED[app]}
    assert forbidden == {}


def test_no_two_apps_import_each_other():
    imported = _imports_by_app()
    pairs = {tuple(sorted((a, b))) for a, targets in imported.items() for b in targets if a in imported.get(b, {})}
    assert pairs == set()


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_no_app_imports_another_apps_views(app):
    """Pages and endpoints are an app's own; another app reuses its services, selectors, serializers."""
    offenders = sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for path in _app_files(app)
        for module in _imports(path)
        if module.split(".")[0] in DOMAIN_APPS and module.split(".")[0] != app
        and ".views" in module
    )
    assert offenders == []


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_every_app_has_the_same_shape(app):
    expected = ["models.py", "services.py", "selectors.py", "admin.py", "urls.py",
                "api/views.py", "api/serializers.py", "api/urls.py"]
    missing = [name for name in expected if not (ROOT / app / name).exists()]
    assert missing == []


def test_the_web_kit_lives_in_the_project_package():
    from helpdesk.api import exceptions, pagination, throttling  # noqa: F401
    from helpdesk.web import decorators, forms  # noqa: F401
    from helpdesk.web import pagination as web_pagination  # noqa: F401

    for app in DOMAIN_APPS:
        for name in ("pagination.py", "api/pagination.py", "api/exceptions.py", "api/throttling.py"):
            assert not (ROOT / app / name).exists(), f"{app}/{name} belongs in helpdesk/"


def test_the_rule_finds_a_forbidden_import_even_inside_a_function(tmp_path):
    (tmp_path / "tickets" / "views").mkdir(parents=True)
    (tmp_path / "tickets" / "views" / "portal.py").write_text("def f():\n    from knowledgebase import selectors\n")
    (tmp_path / "knowledgebase").mkdir()
    (tmp_path / "knowledgebase" / "views.py").write_text("from ..tickets.views import portal\nfrom tickets import models\n")
    found = _imports_by_app(tmp_path)
    assert set(found["tickets"]) == {"knowledgebase"}
    assert set(found["knowledgebase"]) == {"tickets"}


def test_template_tags_only_format():
    """A tag that queried would hide a page's cost from its view: tag modules import no selectors
    and touch no manager (`.objects`), and no view imports a tag module for its data."""
    offenders = []
    for path in ROOT.glob("*/templatetags/*.py"):
        text = path.read_text()
        if re.search(r"^\s*(from|import)\s.*selectors|\.objects\.", text, re.MULTILINE):
            offenders.append(str(path.relative_to(ROOT)))
    for path in [*ROOT.glob("*/views.py"), *ROOT.glob("*/views/*.py")]:
        if re.search(r"from \S*templatetags\S* import", path.read_text()):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
