"""Forms of the escalation pages: they parse input; the rules are in reminders.py and services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from helpdesk.forms import StyledForm
from tickets.models import Status

from . import reminders


class ReminderForm(StyledForm):
    due_at = forms.DateTimeField(label=_("Come back on"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                 input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"])
    note = forms.CharField(label=_("What is to be done then?"), required=False, max_length=reminders.NOTE_MAX_LENGTH)
    status = forms.ChoiceField(label=_("Until then"), choices=[(s, Status(s).label) for s in reminders.SET_ASIDE_STATUSES])
