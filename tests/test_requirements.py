"""`make run` installs requirements.txt only; the tests run with requirements-test.txt on top. A
package that the web server or the workers need, but that only a test tool happens to bring along,
would pass every test and break `make run` on a fresh machine (kombu's Redis transport imports
`packaging` without declaring it). So the processes of `make run` are loaded here with every
package hidden that requirements.txt does not install, directly or through what its packages declare."""

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent

# An import of a hidden package fails as it would where the package is not installed; optional
# imports (DRF's of requests and pygments, Celery's of greenlet) fall back as they would there.
LOAD_WHAT_MAKE_RUN_LOADS = """
import json, sys

HIDDEN = set(json.loads(sys.argv[1]))


class Hidden:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


sys.meta_path.insert(0, Hidden())

import django
django.setup()
from importlib import import_module
from django.apps import apps
import helpdesk.urls, helpdesk.wsgi, helpdesk.celery
import gunicorn.app.wsgiapp, gunicorn.workers.sync
import celery.apps.worker, celery.apps.beat, celery.backends.redis, kombu.transport.redis
import icalendar  # imported where a holiday calendar is uploaded (escalation.schedules)
for app in apps.get_app_configs():
    for part in ("admin", "api", "tasks", "views", "services", "selectors", "management.commands.seed_demo"):
        try:
            import_module(f"{app.name}.{part}")
        except ModuleNotFoundError as error:
            if error.name != f"{app.name}.{part}" and not f"{app.name}.{part}".startswith(error.name + "."):
                raise
"""


def _installed_by_requirements_txt() -> set[str]:
    """The distributions requirements.txt names and all they require in turn (markers evaluated)."""
    environment = default_environment()
    wanted = [Requirement(line) for line in (ROOT / "requirements.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    seen: set[str] = set()
    while wanted:
        requirement = wanted.pop()
        if canonicalize_name(requirement.name) in seen:
            continue
        seen.add(canonicalize_name(requirement.name))
        for text in metadata.requires(requirement.name) or []:
            dependency = Requirement(text)
            if dependency.marker is None or any(dependency.marker.evaluate({**environment, "extra": extra})
                                                for extra in requirement.extras or {""}):
                wanted.append(dependency)
    return seen


def test_make_run_needs_nothing_that_requirements_txt_does_not_install():
    installed = _installed_by_requirements_txt()
    hidden = sorted(module for module, distributions in metadata.packages_distributions().items()
                    if not {canonicalize_name(d) for d in distributions} & installed)
    assert "pytest" in hidden and "django" not in hidden
    loaded = subprocess.run([sys.executable, "-c", LOAD_WHAT_MAKE_RUN_LOADS, json.dumps(hidden)], cwd=ROOT,
                            capture_output=True, text=True, env={**os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.settings.local"})
    assert loaded.returncode == 0, loaded.stderr[-3000:]
