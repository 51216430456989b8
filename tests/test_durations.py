"""Durations read the same everywhere: the two largest units that are not zero, in the reader's language."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import translation

from helpdesk.durations import duration_words, format_duration
from helpdesk.markup import countdown


@pytest.mark.parametrize(("value", "english", "german"), [
    (timedelta(days=1, hours=16), "1 day, 16 h", "1 Tag, 16 Std."),
    (timedelta(days=2), "2 days", "2 Tage"),
    (timedelta(days=3, hours=4, minutes=59), "3 days, 4 h", "3 Tage, 4 Std."),
    (timedelta(hours=3, minutes=5, seconds=7), "3 h, 5 min", "3 Std., 5 Min."),
    (timedelta(hours=4), "4 h", "4 Std."),
    (timedelta(minutes=4, seconds=12), "4 min, 12 s", "4 Min., 12 Sek."),
    (timedelta(seconds=45), "45 s", "45 Sek."),
    (timedelta(0), "0 s", "0 Sek."),
    (-90, "1 min, 30 s", "1 Min., 30 Sek."),  # the sign is the caller's ("overdue ...")
])
def test_durations_in_english_and_german(value, english, german):
    with translation.override("en"):
        assert format_duration(value) == english
    with translation.override("de"):
        assert format_duration(value) == german
        assert countdown(value.total_seconds() if isinstance(value, timedelta) else value) == german


def test_none_is_a_dash():
    assert format_duration(None) == "–"


def test_the_template_filter_and_the_words_for_the_script():
    with translation.override("de"):
        assert Template("{% load durations %}{{ d|duration }}").render(Context({"d": timedelta(hours=40)})) == "1 Tag, 16 Std."
        assert duration_words() == {"day": ["{n} Tag", "{n} Tage"], "h": "{n} Std.", "min": "{n} Min.", "s": "{n} Sek."}
    with translation.override("en"):
        assert duration_words() == {"day": ["{n} day", "{n} days"], "h": "{n} h", "min": "{n} min", "s": "{n} s"}


def test_an_sla_target_names_its_time_in_words():
    from escalation.models import Metric, SlaTarget
    from tickets.models import Priority

    target = SlaTarget(metric=Metric.RESOLUTION, priority=Priority.HIGH, duration=timedelta(days=1, hours=16))
    with translation.override("de"):
        assert str(target).endswith(": 1 Tag, 16 Std.")
