"""Specification of business-hours arithmetic (escalation.business_hours).

Business time is real elapsed time inside the opening intervals of a local calendar; results are
aware datetimes in UTC. No database, no Django settings.
"""

import time as stopwatch
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from zoneinfo import ZoneInfo

from escalation.business_hours import BusinessCalendar, WeeklyInterval

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC = timezone.utc
H = timedelta(hours=1)
MIN = timedelta(minutes=1)
MIDNIGHT = time(0, 0)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def office(holidays=()) -> BusinessCalendar:
    """Mon-Fri 08:00-12:00 and 13:00-17:00 in Berlin."""
    intervals = [WeeklyInterval(d, time(8), time(12)) for d in range(5)]
    intervals += [WeeklyInterval(d, time(13), time(17)) for d in range(5)]
    return BusinessCalendar("Europe/Berlin", intervals, holidays)


def every_day(start: time, end: time, tz="Europe/Berlin") -> BusinessCalendar:
    return BusinessCalendar(tz, [WeeklyInterval(d, start, end) for d in range(7)])


CHRISTMAS = [date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 31), date(2027, 1, 1)]


# --------------------------------------------------------------------------- add(): office hours
# 2026-01-05 is a Monday; Berlin is UTC+1 in January.

@pytest.mark.parametrize(
    "start, duration, expected",
    [
        pytest.param(berlin(2026, 1, 5, 11, 30), H, berlin(2026, 1, 5, 13, 30), id="over lunch"),
        pytest.param(berlin(2026, 1, 5, 9), 2 * H, berlin(2026, 1, 5, 11), id="within the morning"),
        pytest.param(berlin(2026, 1, 5, 11), H, berlin(2026, 1, 5, 12), id="ends exactly at lunch, not after it"),
        pytest.param(berlin(2026, 1, 5, 13), 4 * H, berlin(2026, 1, 5, 17), id="ends exactly at closing"),
        pytest.param(berlin(2026, 1, 9, 16), 8 * H, berlin(2026, 1, 12, 16), id="friday over the weekend"),
        pytest.param(berlin(2026, 1, 10, 10), 2 * H, berlin(2026, 1, 12, 10), id="start on saturday"),
        pytest.param(berlin(2026, 1, 11, 23, 59), MIN, berlin(2026, 1, 12, 8, 1), id="start sunday night"),
        pytest.param(berlin(2026, 1, 5, 12, 30), 30 * MIN, berlin(2026, 1, 5, 13, 30), id="start at lunch"),
        pytest.param(berlin(2026, 1, 5, 12), H, berlin(2026, 1, 5, 14), id="start exactly at lunch"),
        pytest.param(berlin(2026, 1, 5, 17), H, berlin(2026, 1, 6, 9), id="start exactly at closing"),
        pytest.param(berlin(2026, 1, 5, 6), H, berlin(2026, 1, 5, 9), id="start before opening"),
        pytest.param(berlin(2026, 1, 5, 8), 40 * H, berlin(2026, 1, 9, 17), id="a full working week"),
        pytest.param(berlin(2026, 1, 5, 8), 40 * H + MIN, berlin(2026, 1, 12, 8, 1), id="a week and a minute"),
        pytest.param(berlin(2026, 1, 5, 10, 0, 30), timedelta(seconds=90), berlin(2026, 1, 5, 10, 2), id="seconds"),
    ],
)
def test_add_in_office_hours(start, duration, expected):
    result = office().add(start, duration)
    assert result == expected
    assert result.tzinfo is UTC


def test_add_accepts_start_in_any_time_zone_and_answers_in_utc():
    start = datetime(2026, 1, 5, 5, 30, tzinfo=NEW_YORK)  # = Mon 11:30 Berlin
    assert office().add(start, H) == datetime(2026, 1, 5, 12, 30, tzinfo=UTC)


def test_add_zero_duration_returns_start_even_when_closed():
    saturday = berlin(2026, 1, 10, 10)
    result = office().add(saturday, timedelta(0))
    assert result == saturday
    assert result.tzinfo is UTC


def test_calendar_accepts_a_zoneinfo_object():
    cal = BusinessCalendar(BERLIN, [WeeklyInterval(0, time(8), time(9))])
    assert cal.add(berlin(2026, 1, 5, 7), 30 * MIN) == berlin(2026, 1, 5, 8, 30)


# --------------------------------------------------------------------------- holidays

def test_holidays_in_the_middle_are_skipped():
    # Tue 22 + Wed 23 = 16 h, Thu 24 and Fri 25 are holidays, the weekend is closed, Mon 28 = 8 h.
    cal = office(holidays=CHRISTMAS)
    assert cal.add(berlin(2026, 12, 22, 8), 24 * H) == berlin(2026, 12, 28, 17)
    assert cal.add(berlin(2026, 12, 23, 16), 2 * H) == berlin(2026, 12, 28, 9)


def test_start_on_a_holiday_counts_from_the_next_opening():
    cal = office(holidays=CHRISTMAS)
    assert cal.add(berlin(2026, 12, 24, 10), H) == berlin(2026, 12, 28, 9)
    assert not cal.is_open(berlin(2026, 12, 24, 10))
    assert cal.next_open(berlin(2026, 12, 24, 10)) == berlin(2026, 12, 28, 8)


def test_christmas_fortnight_has_six_working_days():
    cal = office(holidays=CHRISTMAS)
    assert cal.between(berlin(2026, 12, 21), berlin(2027, 1, 4)) == 48 * H
    # Wed 30 17:00 + 1 h: Thu 31 and Fri 1 are holidays -> Mon 4 January 09:00.
    assert cal.add(berlin(2026, 12, 30, 16), 2 * H) == berlin(2027, 1, 4, 9)


def test_without_holidays_christmas_is_an_ordinary_fortnight():
    assert office().between(berlin(2026, 12, 21), berlin(2027, 1, 4)) == 80 * H


# --------------------------------------------------------------------------- between()

def test_between_across_a_weekend():
    # Fri 15:00-17:00 plus Mon 08:00-10:00.
    assert office().between(berlin(2026, 1, 9, 15), berlin(2026, 1, 12, 10)) == 4 * H


def test_between_inside_one_interval_and_over_lunch():
    cal = office()
    assert cal.between(berlin(2026, 1, 5, 9), berlin(2026, 1, 5, 9, 45)) == 45 * MIN
    assert cal.between(berlin(2026, 1, 5, 11), berlin(2026, 1, 5, 14)) == 2 * H


def test_between_is_zero_when_closed_or_reversed():
    cal = office()
    assert cal.between(berlin(2026, 1, 10, 9), berlin(2026, 1, 11, 18)) == timedelta(0)
    assert cal.between(berlin(2026, 1, 5, 12), berlin(2026, 1, 5, 13)) == timedelta(0)
    assert cal.between(berlin(2026, 1, 5, 10), berlin(2026, 1, 5, 9)) == timedelta(0)
    assert cal.between(berlin(2026, 1, 5, 10), berlin(2026, 1, 5, 10)) == timedelta(0)


def test_between_over_a_year():
    # 2026 has 261 weekdays; at 8 h each that is 2088 h.
    assert office().between(berlin(2026, 1, 1), berlin(2027, 1, 1)) == 2088 * H


# --------------------------------------------------------------------------- is_open / next_open

@pytest.mark.parametrize(
    "moment, expected",
    [
        (berlin(2026, 1, 5, 8), True),
        (berlin(2026, 1, 5, 11, 59, 59), True),
        (berlin(2026, 1, 5, 12), False),
        (berlin(2026, 1, 5, 13), True),
        (berlin(2026, 1, 5, 17), False),
        (berlin(2026, 1, 5, 7, 59, 59), False),
        (berlin(2026, 1, 10, 10), False),
    ],
)
def test_is_open_includes_start_and_excludes_end(moment, expected):
    assert office().is_open(moment) is expected


def test_next_open():
    cal = office()
    assert cal.next_open(berlin(2026, 1, 5, 9, 15)) == berlin(2026, 1, 5, 9, 15)
    assert cal.next_open(berlin(2026, 1, 5, 12, 15)) == berlin(2026, 1, 5, 13)
    assert cal.next_open(berlin(2026, 1, 9, 17)) == berlin(2026, 1, 12, 8)
    assert cal.next_open(berlin(2026, 1, 9, 17)).tzinfo is UTC


# --------------------------------------------------------------------------- several intervals a day

def test_multi_interval_day():
    cal = BusinessCalendar(
        "Europe/Berlin",
        [
            WeeklyInterval(0, time(7), time(9)),
            WeeklyInterval(0, time(10), time(11)),
            WeeklyInterval(0, time(15), time(18)),
        ],
    )
    monday = berlin(2026, 1, 5)
    assert cal.between(monday, monday + 24 * H) == 6 * H
    assert cal.add(berlin(2026, 1, 5, 8, 30), H) == berlin(2026, 1, 5, 10, 30)
    assert cal.add(berlin(2026, 1, 5, 8, 30), 2 * H) == berlin(2026, 1, 5, 15, 30)
    assert cal.add(berlin(2026, 1, 5, 8, 30), 5 * H) == berlin(2026, 1, 12, 7, 30)  # 4.5 h today
    assert cal.next_open(berlin(2026, 1, 5, 12)) == berlin(2026, 1, 5, 15)


def test_touching_intervals_form_one_opening():
    cal = BusinessCalendar(
        "Europe/Berlin", [WeeklyInterval(0, time(8), time(12)), WeeklyInterval(0, time(12), time(13))]
    )
    assert cal.add(berlin(2026, 1, 5, 11, 30), H) == berlin(2026, 1, 5, 12, 30)
    assert cal.is_open(berlin(2026, 1, 5, 12))


# --------------------------------------------------------------------------- overnight shift

def night_shift() -> BusinessCalendar:
    """Mon 22:00 - Tue 06:00, entered as two intervals."""
    return BusinessCalendar(
        "Europe/Berlin", [WeeklyInterval(0, time(22), MIDNIGHT), WeeklyInterval(1, MIDNIGHT, time(6))]
    )


def test_overnight_shift_flows_across_midnight():
    cal = night_shift()
    assert cal.add(berlin(2026, 1, 5, 21), 3 * H) == berlin(2026, 1, 6, 1)
    assert cal.add(berlin(2026, 1, 5, 23), 7 * H) == berlin(2026, 1, 6, 6)
    assert cal.add(berlin(2026, 1, 5, 23), 8 * H) == berlin(2026, 1, 12, 23)
    assert cal.between(berlin(2026, 1, 5, 20), berlin(2026, 1, 6, 12)) == 8 * H


def test_overnight_shift_is_open_at_midnight_and_closed_at_its_end():
    cal = night_shift()
    assert cal.is_open(berlin(2026, 1, 5, 23, 59, 59))
    assert cal.is_open(berlin(2026, 1, 6, 0, 0))
    assert not cal.is_open(berlin(2026, 1, 6, 6))
    assert cal.next_open(berlin(2026, 1, 6, 6)) == berlin(2026, 1, 12, 22)


# --------------------------------------------------------------------------- DST (Europe/Berlin)
# 2026-03-29: 02:00 CET -> 03:00 CEST (a 23 h day); 2026-10-25: 03:00 CEST -> 02:00 CET (25 h).

def test_round_the_clock_calendar_counts_real_time_on_dst_days():
    cal = every_day(MIDNIGHT, MIDNIGHT)
    assert cal.between(berlin(2026, 3, 29), berlin(2026, 3, 30)) == 23 * H
    assert cal.between(berlin(2026, 10, 25), berlin(2026, 10, 26)) == 25 * H
    assert cal.add(berlin(2026, 3, 29), 24 * H) == berlin(2026, 3, 30, 1)
    assert cal.add(berlin(2026, 10, 25), 24 * H) == berlin(2026, 10, 25, 23)
    start = berlin(2026, 3, 28, 20, 17, 3).astimezone(UTC)  # aware + timedelta is wall-clock math in Berlin
    for hours in (1, 5, 6, 7, 30, 24 * 220):  # passes both switches
        assert cal.add(start, hours * H) == start + hours * H
        assert cal.between(start, start + hours * H) == hours * H


def test_night_interval_on_spring_forward_day_lasts_two_hours():
    cal = every_day(time(1), time(4))
    day = berlin(2026, 3, 29)
    assert cal.between(day, berlin(2026, 3, 30)) == 2 * H
    assert cal.add(berlin(2026, 3, 29, 1), 2 * H) == datetime(2026, 3, 29, 2, tzinfo=UTC)  # 04:00 CEST
    assert cal.add(berlin(2026, 3, 29, 1), 2 * H + 30 * MIN) == berlin(2026, 3, 30, 1, 30)
    assert cal.is_open(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))  # 03:30 CEST


def test_night_interval_on_fall_back_day_lasts_four_hours():
    cal = every_day(time(1), time(4))
    assert cal.between(berlin(2026, 10, 25), berlin(2026, 10, 26)) == 4 * H
    start = berlin(2026, 10, 25, 1)  # 01:00 CEST = 23:00 UTC the day before
    assert cal.add(start, 3 * H) == datetime(2026, 10, 25, 2, tzinfo=UTC)  # 03:00 CET
    assert cal.add(start, 4 * H) == datetime(2026, 10, 25, 3, tzinfo=UTC)  # 04:00 CET
    # Both 02:30s are open: the first (CEST, fold=0) and the repeated one (CET, fold=1).
    assert cal.is_open(datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN))
    assert cal.is_open(datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN))


def test_non_existent_wall_times_resolve_with_fold_zero():
    # 02:30 does not exist on 2026-03-29; zoneinfo reads it with the old offset (CET) = 01:30 UTC.
    cal = every_day(time(2, 30), time(5))
    assert cal.between(berlin(2026, 3, 29), berlin(2026, 3, 30)) == timedelta(hours=1, minutes=30)
    assert cal.next_open(berlin(2026, 3, 29, 0)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_office_hours_are_unaffected_by_dst_on_weekdays():
    cal = office()
    # Fri 27 March (CET) 16:00 + 2 h -> Mon 30 March (CEST) 09:00 local.
    assert cal.add(berlin(2026, 3, 27, 16), 2 * H) == berlin(2026, 3, 30, 9)
    assert cal.between(berlin(2026, 10, 23, 16), berlin(2026, 10, 26, 9)) == 2 * H


# --------------------------------------------------------------------------- validation

@pytest.mark.parametrize(
    "weekday, start, end",
    [
        (0, time(12), time(8)),
        (0, time(8), time(8)),
        (7, time(8), time(9)),
        (-1, time(8), time(9)),
        (0, time(8, tzinfo=UTC), time(9)),
        (0, time(8), time(9, tzinfo=UTC)),
    ],
    ids=["end before start", "empty", "weekday 7", "weekday -1", "aware start", "aware end"],
)
def test_invalid_weekly_interval(weekday, start, end):
    with pytest.raises(ValueError):
        WeeklyInterval(weekday, start, end)


def test_interval_may_end_at_midnight_and_have_seconds():
    WeeklyInterval(6, time(23, 59, 59), MIDNIGHT)
    WeeklyInterval(6, time(8, 0, 1), time(8, 0, 2))


def test_overlapping_intervals_on_the_same_weekday_are_rejected():
    with pytest.raises(ValueError, match="overlap"):
        BusinessCalendar("UTC", [WeeklyInterval(0, time(8), time(12)), WeeklyInterval(0, time(11), time(13))])
    with pytest.raises(ValueError, match="overlap"):
        BusinessCalendar("UTC", [WeeklyInterval(2, time(8), MIDNIGHT), WeeklyInterval(2, time(20), time(21))])
    # The same hours on different weekdays are fine.
    BusinessCalendar("UTC", [WeeklyInterval(0, time(8), time(12)), WeeklyInterval(1, time(11), time(13))])


def test_a_calendar_without_intervals_is_rejected():
    with pytest.raises(ValueError):
        BusinessCalendar("UTC", [])


def test_naive_datetimes_are_rejected():
    cal, naive = office(), datetime(2026, 1, 5, 9)
    with pytest.raises(ValueError):
        cal.add(naive, H)
    with pytest.raises(ValueError):
        cal.between(naive, berlin(2026, 1, 6))
    with pytest.raises(ValueError):
        cal.between(berlin(2026, 1, 4), naive)
    with pytest.raises(ValueError):
        cal.is_open(naive)
    with pytest.raises(ValueError):
        cal.next_open(naive)


def test_negative_duration_is_rejected():
    with pytest.raises(ValueError):
        office().add(berlin(2026, 1, 5, 9), -timedelta(seconds=1))


def test_no_business_time_for_twenty_years_raises_instead_of_looping():
    mondays = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(22 * 53)]
    cal = BusinessCalendar("UTC", [WeeklyInterval(0, time(8), time(9))], holidays=mondays)
    with pytest.raises(ValueError, match="no business time"):
        cal.add(datetime(2026, 1, 1, tzinfo=UTC), H)
    with pytest.raises(ValueError, match="no business time"):
        cal.next_open(datetime(2026, 1, 1, tzinfo=UTC))


# --------------------------------------------------------------------------- performance

def fastest_of(runs: int, fn) -> float:
    best = float("inf")
    for _ in range(runs):
        began = stopwatch.perf_counter()
        fn()
        best = min(best, stopwatch.perf_counter() - began)
    return best


def test_two_thousand_business_hours_take_well_under_ten_milliseconds():
    cal = office(holidays=CHRISTMAS)
    start = berlin(2026, 1, 9, 16, 20)
    assert fastest_of(5, lambda: cal.add(start, 2000 * H)) < 0.010
    end = cal.add(start, 2000 * H)
    assert cal.between(start, end) == 2000 * H
    assert fastest_of(5, lambda: cal.between(start, end)) < 0.010


# --------------------------------------------------------------------------- properties (hypothesis)

ZONES = ["Europe/Berlin", "UTC", "America/New_York"]
DST_DAYS = {
    "Europe/Berlin": [date(2025, 3, 30), date(2025, 10, 26), date(2026, 3, 29), date(2026, 10, 25),
                      date(2027, 3, 28), date(2027, 10, 31)],
    "America/New_York": [date(2025, 3, 9), date(2025, 11, 2), date(2026, 3, 8), date(2026, 11, 1),
                         date(2027, 3, 14), date(2027, 11, 7)],
    "UTC": [date(2026, 3, 29)],
}
DAY_SECONDS = 86_400
# Seconds since midnight; biased to round and DST-relevant wall times (01:00-04:00) and to the ends.
boundaries = st.one_of(
    st.integers(0, DAY_SECONDS),
    st.sampled_from([0, 3600, 5400, 7200, 9000, 10800, 14400, 28800, 43200, 61200, 79200, DAY_SECONDS]),
)


def to_time(seconds: int) -> time:
    return MIDNIGHT if seconds == DAY_SECONDS else time(seconds // 3600, seconds // 60 % 60, seconds % 60)


@st.composite
def weekly_intervals(draw) -> list[WeeklyInterval]:
    """Random non-overlapping intervals for each weekday (sometimes split into touching pieces)."""
    intervals: list[WeeklyInterval] = []
    for weekday in range(7):
        points = sorted(draw(st.lists(boundaries, unique=True, max_size=6)))
        for start, end in zip(points[0::2], points[1::2]):
            if end - start >= 2 and draw(st.booleans()):
                middle = draw(st.integers(start + 1, end - 1))
                intervals.append(WeeklyInterval(weekday, to_time(start), to_time(middle)))
                start = middle
            intervals.append(WeeklyInterval(weekday, to_time(start), to_time(end)))
    assume(intervals)
    return intervals


@st.composite
def instants(draw, zone: str) -> datetime:
    """An aware instant in 2025-2027, often within a day of a DST switch, in a random zone."""
    tz = ZoneInfo(zone)
    if draw(st.booleans()):
        day = draw(st.sampled_from(DST_DAYS[zone]))
        midnight = datetime.combine(day, MIDNIGHT, tzinfo=tz).astimezone(UTC)
        moment = midnight + timedelta(seconds=draw(st.integers(-6 * 3600, 30 * 3600)))
    else:
        moment = draw(st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)))
        moment = moment.replace(microsecond=0)
    return moment.astimezone(draw(st.sampled_from([UTC, tz, BERLIN, NEW_YORK])))


@st.composite
def scenarios_with_intervals(draw) -> tuple[BusinessCalendar, list[WeeklyInterval], datetime]:
    """A random calendar (and its intervals) plus a start instant; holidays are drawn near the start
    so that they matter."""
    zone = draw(st.sampled_from(ZONES))
    start = draw(instants(zone))
    local_day = start.astimezone(ZoneInfo(zone)).date()
    holidays = draw(st.sets(st.integers(-1, 60).map(lambda n: local_day + timedelta(days=n)), max_size=12))
    intervals = draw(weekly_intervals())
    return BusinessCalendar(zone, intervals, holidays), intervals, start


scenarios = lambda: scenarios_with_intervals().map(lambda s: (s[0], s[2]))  # noqa: E731


durations = st.one_of(st.integers(0, 12 * 3600), st.integers(0, 500 * 3600)).map(lambda s: timedelta(seconds=s))
real_gaps = st.integers(0, 40 * DAY_SECONDS).map(lambda s: timedelta(seconds=s))
properties = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@properties
@given(scenarios(), durations)
def test_property_between_undoes_add(scenario, duration):
    cal, start = scenario
    assert cal.between(start, cal.add(start, duration)) == duration


@properties
@given(scenarios(), durations, durations)
def test_property_add_is_monotonic(scenario, d1, d2):
    cal, start = scenario
    d1, d2 = sorted([d1, d2])
    assert start <= cal.add(start, d1) <= cal.add(start, d2)


@properties
@given(scenarios(), real_gaps, real_gaps)
def test_property_between_is_additive_and_bounded_by_real_time(scenario, gap1, gap2):
    cal, a = scenario
    a = a.astimezone(UTC)  # add real time, not wall-clock time
    b, c = a + gap1, a + gap1 + gap2
    assert cal.between(a, b) + cal.between(b, c) == cal.between(a, c)
    assert timedelta(0) <= cal.between(a, c) <= c - a


@properties
@given(scenarios(), durations.filter(bool))
def test_property_deadline_is_inside_business_hours_or_at_an_interval_end(scenario, duration):
    cal, start = scenario
    result = cal.add(start, duration)
    assert result.tzinfo is UTC
    assert cal.is_open(result - timedelta(microseconds=1))
    assert cal.add(cal.next_open(start), duration) == result  # waiting for the opening is free


@properties
@given(scenarios())
def test_property_next_open_is_open_and_nothing_is_skipped(scenario):
    cal, moment = scenario
    opening = cal.next_open(moment)
    assert opening >= moment and cal.is_open(opening)
    assert cal.between(moment, opening) == timedelta(0)
    # Compare in UTC: `==` across zones is always False for ambiguous wall times (PEP 495).
    assert (opening == moment.astimezone(UTC)) is cal.is_open(moment)


@properties
@given(scenarios_with_intervals())
def test_property_is_open_matches_the_wall_clock_away_from_dst_days(scenario):
    cal, intervals, moment = scenario
    tz = cal.tz
    local = moment.astimezone(tz)
    day = local.date()
    assume(all(datetime.combine(d, MIDNIGHT, tzinfo=tz).utcoffset()
               == datetime.combine(d + timedelta(days=1), MIDNIGHT, tzinfo=tz).utcoffset()
               for d in (day - timedelta(days=1), day)))
    wall = local.time().replace(tzinfo=None, fold=0)
    # An interval ending at 24:00 of the previous day cannot contain `moment`, so only today counts.
    expected = day not in cal.holidays and any(
        iv.start <= wall and (iv.end == MIDNIGHT or wall < iv.end)
        for iv in intervals if iv.weekday == day.weekday()
    )
    assert cal.is_open(moment) is expected



@properties
@given(st.sampled_from(ZONES), st.data())
def test_property_round_the_clock_business_time_is_real_time(zone, data):
    cal = every_day(MIDNIGHT, MIDNIGHT, tz=zone)
    start = data.draw(instants(zone)).astimezone(UTC)  # so that `start + duration` is real time
    duration = data.draw(durations)
    assert cal.add(start, duration) == start + duration
    assert cal.between(start, start + duration) == duration
