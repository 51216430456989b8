"""Form fields of the problem pages. Forms only parse input; the rules live in services.py."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from helpdesk import markup
from helpdesk.forms import StyledForm

from .models import ProblemStatus, Risk

LANGUAGE_NAMES = dict(settings.LANGUAGES)


def references(text: str) -> list[str]:
    return list(dict.fromkeys(r.upper() for r in text.replace(",", " ").split() if r))


def _per_language(label, help_text=""):
    return {code: forms.CharField(label=f"{label} ({LANGUAGE_NAMES[code]})", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=help_text) for code, _name in settings.LANGUAGES}


class ProblemForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("What the engineers know, for agents only."))
    cause = forms.CharField(label=_("Root cause"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    affected_systems = forms.CharField(label=_("Affected systems"), required=False, max_length=300)
    affected_versions = forms.CharField(label=_("Affected versions"), required=False, max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=get_user_model().objects.none(), required=False,
                                   help_text=_("An engineer of the level that works problems; you, if left empty."))

    tickets = forms.CharField(label=_("Tickets"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Ticket numbers, separated by spaces, commas or lines."))

    def __init__(self, *args, owners=(), with_tickets=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_tickets:
            del self.fields["tickets"]
        self.fields["owner"].queryset = get_user_model().objects.filter(pk__in=[o.pk for o in owners])
        for field, label, help_text in (
                ("summary", _("Summary for customers"), _("In plain words, without jargon: what happened and what it means for the customer.")),
                ("workaround", _("Workaround"), ""), ("resolution", _("Resolution"), "")):
            for code, form_field in _per_language(label, help_text).items():
                form_field.widget.attrs["class"] = markup.widget_class(form_field.widget)
                self.fields[f"{field}_{code}"] = form_field

    def problem_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("tickets", None)
        if data.get("owner") is None:
            data.pop("owner", None)
        return data

    def references(self) -> list[str]:
        return references(self.cleaned_data.get("tickets", ""))


class StatusForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=ProblemStatus.choices)


class LinkForm(StyledForm):
    tickets = forms.CharField(label=_("Tickets"), widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Ticket numbers, separated by spaces, commas or lines."))

    def references(self) -> list[str]:
        return references(self.cleaned_data["tickets"])


class TicketProblemForm(StyledForm):
    problem = forms.CharField(label=_("Problem"), max_length=250,
                              help_text=_("Its number (PRB-…) or pick one of the list."))


class WorkaroundForm(StyledForm):
    hold = forms.BooleanField(label=_("Put the tickets on hold until the fix"), required=False,
                              help_text=_("On hold pauses the clocks the SLA policy pauses."))


class ResolveForm(StyledForm):
    solve = forms.BooleanField(label=_("Solve the tickets"), required=False,
                               help_text=_("Otherwise they stay open at their level, to confirm the fix with the customer."))


class ProposalForm(StyledForm):
    title = forms.CharField(label=_("What to change"), max_length=200)
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 3}))
    risk = forms.ChoiceField(label=_("Risk"), choices=Risk.choices, initial=Risk.MEDIUM)
    components = forms.CharField(label=_("Affected components"), required=False, max_length=300)


class DecisionForm(StyledForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason for the decision"), widget=forms.Textarea(attrs={"rows": 2}))
