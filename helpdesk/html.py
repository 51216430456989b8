"""HTML pieces drawn for every row of a list. They are plain Python, not templates: a list of 100 rows
through a template loop was some 2,500 template nodes, more than everything else on the page. Values
are escaped with the standard library's `html.escape`, which is what Django's `escape` calls."""

from datetime import datetime
from functools import lru_cache
from html import escape

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .durations import format_duration


def countdown(seconds: float) -> str:
    """Time left as the SLA countdown script shows it (helpdesk/static/escalation/sla.js), so that the
    page reads the same before and after the script takes over."""
    return format_duration(seconds)


class Countdowns:
    """Countdown badges for one page: one moment for all of them, the words translated once."""

    def __init__(self, now: datetime | None = None):
        self.now = now or timezone.now()
        self.overdue = escape(_("overdue"))
        self.due = escape(_("Due"))

    def badge(self, due_at: datetime | None) -> SafeString:
        """Red once `due_at` has passed, amber in its last hour; sla.js keeps it running in the browser."""
        if not due_at:
            return mark_safe("")
        left = (due_at - self.now).total_seconds()
        text = countdown(left) if left >= 0 else f"{self.overdue} {countdown(left)}"
        state = "text-bg-danger" if left < 0 else "text-bg-warning" if left < 3600 else "text-bg-secondary"
        return mark_safe(
            f'<span class="badge sla-countdown {state}" data-due="{due_at.isoformat()}" data-overdue="{self.overdue}" '
            f'title="{self.due} {escape(short_datetime(due_at))}"><span class="sla-left">{text}</span></span>'
        )


_STRFTIME = {"d": "%d", "m": "%m", "Y": "%Y", "y": "%y", "H": "%H", "i": "%M", "s": "%S"}


@lru_cache
def _as_strftime(django_format: str) -> str | None:
    """The same format for `datetime.strftime`, which is some ten times faster than Django's
    formatter; None when it uses anything else (names of months, a.m./p.m., escapes)."""
    out = []
    for char in django_format:
        if char in _STRFTIME:
            out.append(_STRFTIME[char])
        elif char.isalpha() or char == "\\":
            return None
        else:
            out.append("%%" if char == "%" else char)
    return "".join(out)


def url_pattern(name: str, sample) -> str:
    """The path of URL `name` as a format string with `{}` for its one argument: one reverse() per
    list instead of one per row. `sample` must be a value of the argument's kind that appears
    nowhere else in the path."""
    return reverse(name, args=[sample]).replace(str(sample), "{}")


def short_datetime(value: datetime) -> str:
    """A moment in the current time zone and language, as `{{ value|date:"SHORT_DATETIME_FORMAT" }}`."""
    local, django_format = timezone.localtime(value), get_format("SHORT_DATETIME_FORMAT")
    pattern = _as_strftime(django_format)
    return local.strftime(pattern) if pattern is not None else dateformat.format(local, django_format)
