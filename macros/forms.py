"""The form of the text module pages. It only parses input; the rules live in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from helpdesk.forms import StyledForm
from tickets.models import Category, Priority, Status

from . import selectors
from .models import Scope

class MacroForm(StyledForm):
    title_de = forms.CharField(label=_("Title (German)"), max_length=120, required=False)
    title_en = forms.CharField(label=_("Title (English)"), max_length=120, required=False)
    body_de = forms.CharField(label=_("Text (German)"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    body_en = forms.CharField(label=_("Text (English)"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
                              help_text=_("The reply goes out in the customer's language; a text in one language "
                                          "only is used for both."))
    scope = forms.ChoiceField(label=_("Available to"))
    tier = forms.ModelChoiceField(label=_("Tier"), queryset=None, required=False,
                                  help_text=_("For “Tier”: whose agents use it."))
    set_status = forms.ChoiceField(label=_("Set the status to"), required=False)
    set_priority = forms.TypedChoiceField(label=_("Set the priority to"), required=False, coerce=int, empty_value=None)
    set_category = forms.ModelChoiceField(label=_("Set the category to"), queryset=None, required=False,
                                          empty_label=_("(leave as it is)"))
    take = forms.BooleanField(label=_("Assign the ticket to me"), required=False)
    escalate = forms.BooleanField(label=_("Escalate to the next level"), required=False)
    escalate_reason = forms.CharField(label=_("Reason for the escalation"), max_length=2000, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Scope.choices)
        self.fields["scope"].choices = [(s, labels[s]) for s in selectors.manageable_scopes(user)]
        self.fields["tier"].queryset = selectors.led_tiers_queryset(user)
        self.fields["set_status"].choices = [("", _("(leave as it is)"))] + [
            (s, Status(s).label) for s in Status.values if s != Status.NEW]
        self.fields["set_priority"].choices = [("", _("(leave as it is)"))] + list(Priority.choices)
        self.fields["set_category"].queryset = Category.objects.filter(is_active=True).order_by("name")
        placeholders = ", ".join("{%s}" % name for name in selectors.PLACEHOLDERS)
        self.fields["body_de"].help_text = _("Placeholders: %(names)s") % {"names": placeholders}
