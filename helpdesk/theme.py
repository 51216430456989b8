"""The theme seam: where the Python-drawn markup meets the templates a project may override.

The busiest pieces of the pages (form widgets and field groups; later the queue rows, badges, the
timeline) are drawn in Python because rendering them through templates was most of a page's time.
Each of them has a template of the same name that gives the same markup (Django's own widget
templates, or ours in the apps' `templates/` folders, e.g. helpdesk/templates/helpdesk/forms/).
A project re-themes the product the Django way, by putting a template of that name earlier on the
template path (the `DIRS` of settings.TEMPLATES, such as the top-level `templates/`, or an app
listed before ours); this module notices that once per process and from then on that piece is
drawn from the project's template: slower, but what the project asked for.

`drawn_in_python(name)` is the question every Python drawer asks first.
"""

from functools import cache
from pathlib import Path

import django
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import TemplateDoesNotExist, engines

ROOT = Path(__file__).resolve().parent.parent
# Where the templates that the Python drawers copy live: Django's form widgets, and our apps' own.
OWN_TEMPLATE_DIRS = (
    Path(django.__file__).resolve().parent / "forms" / "templates",
    *(ROOT / app / "templates" for app in ("helpdesk", "tickets", "escalation", "knowledgebase", "mailchannel")),
)


def _origin(name: str) -> Path | None:
    """The file the template engine would load for `name` (None if no template has that name)."""
    for engine in engines.all():
        try:
            template = engine.get_template(name)
        except TemplateDoesNotExist:
            continue
        origin = getattr(template, "origin", None) or getattr(getattr(template, "template", None), "origin", None)
        return Path(origin.name).resolve() if origin is not None and origin.name else None
    return None


@cache
def drawn_in_python(name: str) -> bool:
    """Whether the piece named like the template `name` may be drawn by our Python drawer: true while
    the template that would be used is the product's own (or Django's) copy, false once a project
    overrides it. Asked once per name and process."""
    origin = _origin(name)
    if origin is None:
        return True  # nothing to override: the piece only exists in Python
    return any(origin.is_relative_to(directory) for directory in OWN_TEMPLATE_DIRS)


@receiver(setting_changed)
def _forget_on_template_change(*, setting, **kwargs):
    if setting in {"TEMPLATES", "INSTALLED_APPS"}:
        drawn_in_python.cache_clear()
