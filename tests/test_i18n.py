"""The German catalogues are complete, and Django's own German gaps are filled by ours."""

import glob
import subprocess
from pathlib import Path

import django
import polib
import pytest
from django.test import RequestFactory
from django.contrib.admin import site
from django.middleware.locale import LocaleMiddleware

from helpdesk.upstream_i18n import UPSTREAM_TEXTS

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = [ROOT / "locale" / "de" / "LC_MESSAGES" / name for name in ("django.po", "djangojs.po")]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_every_german_entry_is_translated_and_checked(path):
    po = polib.pofile(str(path))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    subprocess.run(["msgfmt", "--check-format", "-o", "/dev/null", str(path)], check=True)


def test_the_admins_dual_list_widget_speaks_german():
    request = RequestFactory().get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE="de")
    catalog = LocaleMiddleware(site.i18n_javascript)(request).content.decode()
    assert '"Choose all %s": "Alle %s ausw\\u00e4hlen"' in catalog
    assert '"Remove all %s": "Alle %s entfernen"' in catalog


def test_the_upstream_texts_are_still_missing_in_djangos_german():
    """When Django's own catalogue translates one of them, drop it from helpdesk/upstream_i18n.py."""
    django_dir = Path(django.__file__).parent
    translated = set()
    for path in glob.glob(str(django_dir / "**" / "locale" / "de" / "LC_MESSAGES" / "django.po"), recursive=True):
        translated |= {e.msgid for e in polib.pofile(path).translated_entries()}
    assert [text for text in UPSTREAM_TEXTS if text in translated] == []
