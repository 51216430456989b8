"""`{{ value|duration }}` ("1 day, 16 h") and the words the SLA countdown script needs for the same."""

from django import template

from ..durations import duration_words as _duration_words
from ..durations import format_duration

register = template.Library()


@register.filter
def duration(value):
    return format_duration(value)


@register.simple_tag
def duration_words():
    """`{% duration_words as words %}{{ words|json_script:"duration-words" }}`: sla.js reads them."""
    return _duration_words()
