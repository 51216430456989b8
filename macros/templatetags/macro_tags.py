"""The reply box's text module picker: its markup, drawn from macros/picker.html (a project may
override it). It reads nothing: the picker asks the server once the agent types `::`."""

from django import template

register = template.Library()


@register.inclusion_tag("macros/picker.html")
def macro_picker(ticket):
    return {"ticket": ticket}
