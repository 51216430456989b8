"""Business-hours time arithmetic: "when has X of working time passed?" and "how much working
time lies between two instants?".

Business time is *real elapsed time* inside the business intervals, not wall-clock arithmetic:
each local interval of a local date is turned into aware instants with zoneinfo (non-existent
local times resolve with fold=0, exactly as ``datetime.combine(day, t, tzinfo=tz)`` does) and
all arithmetic happens in UTC. So a 00:00-24:00 day lasts 23 h or 25 h on DST switch days.

The module is pure (no Django, no I/O) so SLA code can be tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

__all__ = ["WeeklyInterval", "BusinessCalendar"]

UTC = timezone.utc
_MIDNIGHT = time(0, 0)
_DAY = timedelta(days=1)
_ZERO = timedelta(0)
# Guard against endless searches (e.g. every working day is a holiday): give up after this many
# consecutive local days without any business time.
_MAX_IDLE_DAYS = 20 * 366

Span = tuple[datetime, datetime]  # [start, end) in UTC


@dataclass(frozen=True)
class WeeklyInterval:
    """One weekly recurring opening interval in local wall-clock time.

    ``end == time(0, 0)`` means 24:00 (midnight at the end of the day), so an overnight shift is
    written as two intervals, e.g. Mon 22:00-24:00 and Tue 00:00-06:00.
    """

    weekday: int  # 0 = Monday ... 6 = Sunday
    start: time
    end: time

    def __post_init__(self) -> None:
        if isinstance(self.weekday, bool) or not isinstance(self.weekday, int) or not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be an int in 0..6, got {self.weekday!r}")
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, time):
                raise ValueError(f"{name} must be a datetime.time, got {value!r}")
            if value.tzinfo is not None:
                raise ValueError(f"{name} must be a naive local wall-clock time, got {value!r}")
        if interval_is_empty(self.start, self.end):
            raise ValueError(f"end {self.end} must be after start {self.start} (use time(0, 0) for 24:00)")


def interval_is_empty(start: time, end: time) -> bool:
    """The one rule for a weekly interval: it ends after it starts, where an end of 00:00 is 24:00."""
    return end != _MIDNIGHT and end <= start


def _since_midnight(t: time, is_end: bool = False) -> timedelta:
    if is_end and t == _MIDNIGHT:
        return _DAY
    return timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


def _to_utc(moment: datetime, name: str) -> datetime:
    """Refuse naive datetimes: guessing a zone is exactly the bug this module exists to avoid."""
    if not isinstance(moment, datetime):
        raise ValueError(f"{name} must be a datetime, got {moment!r}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")
    return moment.astimezone(UTC)


class BusinessCalendar:
    """A weekly schedule in one time zone plus holidays (local dates without any interval)."""

    def __init__(
        self,
        time_zone: str | ZoneInfo,
        intervals: Iterable[WeeklyInterval],
        holidays: Iterable[date] = (),
    ) -> None:
        self.tz: ZoneInfo = ZoneInfo(time_zone) if isinstance(time_zone, str) else time_zone
        self.holidays: frozenset[date] = frozenset(holidays)
        per_day: list[list[WeeklyInterval]] = [[] for _ in range(7)]
        for interval in intervals:
            if not isinstance(interval, WeeklyInterval):
                raise ValueError(f"expected WeeklyInterval, got {interval!r}")
            per_day[interval.weekday].append(interval)
        if not any(per_day):
            raise ValueError("a business calendar needs at least one interval")
        # Per weekday: merged local (start, end) times; fold forced to 0 so every conversion
        # resolves ambiguous/non-existent wall times the same way.
        self._local: list[tuple[tuple[time, time], ...]] = []
        self._nominal: list[timedelta] = []
        for weekday, day_intervals in enumerate(per_day):
            merged: list[list[timedelta]] = []
            for iv in sorted(day_intervals, key=lambda iv: iv.start):
                start, end = _since_midnight(iv.start), _since_midnight(iv.end, is_end=True)
                if merged and start < merged[-1][1]:
                    raise ValueError(f"overlapping intervals on weekday {weekday}: {iv}")
                if merged and start == merged[-1][1]:
                    merged[-1][1] = end  # touching intervals (08-12, 12-13) are one opening
                else:
                    merged.append([start, end])
            self._local.append(tuple((_td_to_time(s), _td_to_time(e)) for s, e in merged))
            self._nominal.append(sum((e - s for s, e in merged), _ZERO))

    def __repr__(self) -> str:
        count = sum(len(day) for day in self._local)
        return f"<BusinessCalendar {self.tz} with {count} weekly intervals, {len(self.holidays)} holidays>"

    # ----------------------------------------------------------------------------- public API

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest aware instant (UTC) at which `duration` of business time has passed since
        `start`. Earliest means a deadline that lands exactly on a closing time is that closing
        time, not the next opening."""
        moment = _to_utc(start, "start")
        if duration < _ZERO:
            raise ValueError(f"duration must not be negative, got {duration!r}")
        if duration == _ZERO:
            return moment
        remaining = duration
        first = moment.astimezone(self.tz).date() - _DAY
        day, idle = first, 0
        while True:
            total = self._day_total(day)
            if total == _ZERO:
                idle += 1
                if idle > _MAX_IDLE_DAYS:
                    raise ValueError(f"no business time within {_MAX_IDLE_DAYS} days after {moment}")
            else:
                idle = 0
                # From first+2 on, the whole day lies after `moment`: skip it by its total alone
                # (cheap on regular days), only materialise spans where the deadline falls.
                if day >= first + 2 * _DAY and total < remaining:
                    remaining -= total
                else:
                    for span_start, span_end in self._day_spans(day):
                        if span_end <= moment:
                            continue
                        span_start = max(span_start, moment)
                        if remaining <= span_end - span_start:
                            return span_start + remaining
                        remaining -= span_end - span_start
            day += _DAY

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two aware instants (zero if `end <= start`)."""
        a, b = _to_utc(start, "start"), _to_utc(end, "end")
        if b <= a:
            return _ZERO
        first, last = a.astimezone(self.tz).date(), b.astimezone(self.tz).date()
        total, day = _ZERO, first - _DAY
        while day <= last + _DAY:
            if first < day < last:  # wholly inside [a, b)
                total += self._day_total(day)
            else:
                for span_start, span_end in self._day_spans(day):
                    overlap = min(span_end, b) - max(span_start, a)
                    if overlap > _ZERO:
                        total += overlap
            day += _DAY
        return total

    def is_open(self, moment: datetime) -> bool:
        """Whether `moment` lies inside business hours (start inclusive, end exclusive)."""
        x = _to_utc(moment, "moment")
        local_day = x.astimezone(self.tz).date()
        return any(
            s <= x < e for day in (local_day - _DAY, local_day, local_day + _DAY) for s, e in self._day_spans(day)
        )

    def next_open(self, moment: datetime) -> datetime:
        """`moment` (in UTC) if open, else the start of the next business interval (UTC)."""
        x = _to_utc(moment, "moment")
        day, idle = x.astimezone(self.tz).date() - _DAY, 0
        while idle <= _MAX_IDLE_DAYS:
            spans = self._day_spans(day)
            idle = idle + 1 if not spans else 0
            for span_start, span_end in spans:
                if span_end > x:
                    return max(span_start, x)
            day += _DAY
        raise ValueError(f"no business time within {_MAX_IDLE_DAYS} days after {x}")

    # ---------------------------------------------------------------------------- internals

    def _regular_base(self, day: date) -> datetime | None:
        """UTC instant of local midnight if the UTC offset is the same at both midnights of `day`
        (no DST switch that day), else None. Regular days need no per-boundary tz lookups, which
        keeps `add` over thousands of hours well below a millisecond. (Two switches cancelling out
        within one day do not occur in tzdata; such a day would be treated as regular.)"""
        midnight = datetime.combine(day, _MIDNIGHT, tzinfo=self.tz)
        offset = midnight.utcoffset()
        if offset != datetime.combine(day + _DAY, _MIDNIGHT, tzinfo=self.tz).utcoffset():
            return None
        return datetime.combine(day, _MIDNIGHT, tzinfo=UTC) - offset

    def _day_total(self, day: date) -> timedelta:
        """Business time of one local day; always equal to the sum of `_day_spans(day)`."""
        if day in self.holidays or not self._local[day.weekday()]:
            return _ZERO
        if self._regular_base(day) is not None:
            return self._nominal[day.weekday()]
        return sum((e - s for s, e in self._day_spans(day)), _ZERO)

    def _day_spans(self, day: date) -> list[Span]:
        """Sorted, disjoint UTC spans of one local day, all within [midnight, next midnight]
        so that spans of different days never overlap, whatever the zone does."""
        local = self._local[day.weekday()]
        if not local or day in self.holidays:
            return []
        base = self._regular_base(day)
        if base is not None:
            return [
                (base + _since_midnight(s), base + _since_midnight(e, is_end=True)) for s, e in local
            ]
        # DST switch day: convert every boundary through zoneinfo (fold=0 for gaps/ambiguity).
        lo = datetime.combine(day, _MIDNIGHT, tzinfo=self.tz).astimezone(UTC)
        hi = datetime.combine(day + _DAY, _MIDNIGHT, tzinfo=self.tz).astimezone(UTC)
        raw: list[Span] = []
        for s, e in local:
            s_utc = max(lo, datetime.combine(day, s, tzinfo=self.tz).astimezone(UTC))
            e_utc = hi if e == _MIDNIGHT else min(hi, datetime.combine(day, e, tzinfo=self.tz).astimezone(UTC))
            if e_utc > s_utc:  # a wall-clock interval inside the spring-forward gap may be empty
                raw.append((s_utc, e_utc))
        raw.sort()
        spans: list[Span] = []
        for s_utc, e_utc in raw:  # fold=0 can map later wall times to earlier instants: merge
            if spans and s_utc <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], e_utc))
            else:
                spans.append((s_utc, e_utc))
        return spans


def _td_to_time(delta: timedelta) -> time:
    """Inverse of `_since_midnight`; 24:00 becomes time(0, 0). Fold is 0 by construction."""
    if delta >= _DAY:
        return _MIDNIGHT
    seconds, micro = divmod(delta // timedelta(microseconds=1), 1_000_000)
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60, micro)
