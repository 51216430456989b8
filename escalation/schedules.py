"""Writes for business-hour schedules: interval validation and holiday imports."""

from __future__ import annotations

from datetime import date, datetime, time

import holidays as holiday_data
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .business_hours import interval_is_empty
from .models import Holiday, Schedule, Weekday

MIDNIGHT = time(0, 0)


def _minutes(t: time, *, end: bool) -> float:
    value = t.hour * 60 + t.minute + t.second / 60
    return 24 * 60 if end and value == 0 else value


def validate_intervals(rows) -> None:
    """Refuse empty intervals and overlaps within a weekday, naming the offending day and times. The
    one check for the admin's schedule form and a single interval's model validation alike."""
    by_day: dict[int, list[tuple[float, float, time, time]]] = {}
    for weekday, start, end in rows:
        begin, finish = _minutes(start, end=False), _minutes(end, end=True)
        if interval_is_empty(start, end):
            raise ValidationError(
                _("%(day)s %(start)s–%(end)s is empty: an interval must end after it starts (00:00 means midnight).")
                % {"day": Weekday(weekday).label, "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
            )
        by_day.setdefault(weekday, []).append((begin, finish, start, end))
    for weekday, intervals in by_day.items():
        intervals.sort()
        for (b1, f1, s1, e1), (b2, f2, s2, e2) in zip(intervals, intervals[1:]):
            if b2 < f1:
                raise ValidationError(
                    _("On %(day)s, %(first)s and %(second)s overlap.")
                    % {"day": Weekday(weekday).label, "first": f"{s1:%H:%M}–{e1:%H:%M}", "second": f"{s2:%H:%M}–{e2:%H:%M}"}
                )


def _touch(schedule: Schedule) -> None:
    # Workers cache calendars by this stamp; bump it so the new holidays count at once.
    Schedule.objects.filter(pk=schedule.pk).update(updated_at=timezone.now())


@transaction.atomic
def add_holidays(*, schedule: Schedule, days: dict[date, str]) -> int:
    existing = set(schedule.holidays.values_list("date", flat=True))
    new = [Holiday(schedule=schedule, date=day, name=name[:120]) for day, name in sorted(days.items()) if day not in existing]
    Holiday.objects.bulk_create(new)
    _touch(schedule)
    return len(new)


def import_public_holidays(*, schedule: Schedule, years=None) -> int:
    """Public holidays of the schedule's region (e.g. "DE-BY") from the `holidays` package."""
    region = (schedule.holiday_region or "").strip().upper()
    if not region:
        raise ValidationError(_("Set “public holidays of” (e.g. DE-BY) on the schedule first."))
    country, _sep, subdivision = region.partition("-")
    if years is None:
        this_year = timezone.localdate().year
        years = range(this_year, this_year + 3)
    try:
        calendar = holiday_data.country_holidays(country, subdiv=subdivision or None, years=list(years), language="de")
    except NotImplementedError:
        raise ValidationError(_("Unknown country or state “%(region)s”.") % {"region": region}) from None
    return add_holidays(schedule=schedule, days=dict(calendar.items()))


def import_ical_holidays(*, schedule: Schedule, content: bytes) -> int:
    """All-day events of an iCalendar file (e.g. a company calendar export) become holidays."""
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(content)
    except (ValueError, IndexError, KeyError):
        raise ValidationError(_("This is not a valid iCalendar (.ics) file.")) from None
    days = {}
    for event in calendar.walk("VEVENT"):
        start = event.get("DTSTART")
        if start is None:
            continue
        value = start.dt
        day = value.date() if isinstance(value, datetime) else value
        days[day] = str(event.get("SUMMARY", ""))
    if not days:
        raise ValidationError(_("The file contains no events."))
    return add_holidays(schedule=schedule, days=days)
