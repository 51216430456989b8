"""Durations as people read them: "1 day, 16 h" / "1 Tag, 16 Std.", the two largest units that
are not zero. Every place that shows a length of time uses this (SLA panel and countdowns, the
admin's lists, SLA targets); helpdesk/static/escalation/sla.js writes the same with the words of
`duration_words()`, so a countdown reads the same before and after the script takes over."""

from datetime import timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def _day(count: int) -> str:
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


def _hours(count: int) -> str:
    return _("%(count)d h") % {"count": count}


def _minutes(count: int) -> str:
    return _("%(count)d min") % {"count": count}


def _seconds(count: int) -> str:
    return _("%(count)d s") % {"count": count}


def format_duration(value: timedelta | float | int | None) -> str:
    """`value` (a timedelta or seconds; its sign is ignored) in the active language, e.g. "1 day, 16 h",
    "3 h, 5 min", "4 min, 12 s", "45 s"; "–" for None."""
    if value is None:
        return "–"
    seconds = value.total_seconds() if isinstance(value, timedelta) else value
    s = int(abs(seconds))
    days, hours, minutes, secs = s // 86400, s % 86400 // 3600, s % 3600 // 60, s % 60
    if days:
        parts = [_day(days), _hours(hours) if hours else ""]
    elif hours:
        parts = [_hours(hours), _minutes(minutes) if minutes else ""]
    elif minutes:
        parts = [_minutes(minutes), _seconds(secs) if secs else ""]
    else:
        parts = [_seconds(secs)]
    return ", ".join(part for part in parts if part)


def duration_words() -> dict:
    """The unit words of format_duration in the active language for sla.js, `{n}` standing for the
    number: {"day": [one, other], "h": ..., "min": ..., "s": ...}."""
    def pattern(text: str) -> str:
        return text.replace("%(count)d", "{n}")

    return {
        "day": [pattern(ngettext("%(count)d day", "%(count)d days", 1)),
                pattern(ngettext("%(count)d day", "%(count)d days", 2))],
        "h": pattern(_("%(count)d h")),
        "min": pattern(_("%(count)d min")),
        "s": pattern(_("%(count)d s")),
    }
