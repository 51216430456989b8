"""Form fields and their messages. Forms only parse input; the rules live in services.py."""

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.functional import lazy
from django.utils.translation import ngettext

from helpdesk.forms import ListedModelChoiceField, StyledForm, style_form

from .models import Channel, Priority, Status
from .selectors import active_categories, reference_lists, tier_agents
from .services import (CUSTOMER_NAME_MAX_LENGTH, NOTES_MAX_LENGTH, ORGANISATION_MAX_LENGTH, PHONE_MAX_LENGTH,
                       REASON_MAX_LENGTH, SUBJECT_MAX_LENGTH, TEXT_MAX_LENGTH)


class MultipleFileInput(forms.FileInput):
    # A plain file input: nothing is ever uploaded before, so there is nothing to clear.
    allow_multiple_selected = True


def _upload_hint() -> str:
    count = settings.HELPDESK_MAX_ATTACHMENTS
    return ngettext(
        "Up to %(count)d file of at most %(size)s.", "Up to %(count)d files, each at most %(size)s.", count
    ) % {"count": count, "size": filesizeformat(settings.HELPDESK_MAX_ATTACHMENT_BYTES)}


# Drawn in the reader's language and number format ("10,0 MB"): the fields are made once, at import.
upload_hint = lazy(_upload_hint, str)


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", upload_hint())
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("multiple", True)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class RegistrationForm(StyledForm):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"))
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False,
                                help_text=password_validation.password_validators_help_text_html())
    password2 = forms.CharField(label=_("Repeat password"), widget=forms.PasswordInput, strip=False)
    consent = forms.BooleanField(label=_("I agree that my data is processed as the privacy notice describes."),
                                 error_messages={"required": _("Please agree to the privacy notice to create an account.")})

    def __init__(self, *args, **kwargs):
        from django.urls import reverse
        from django.utils.html import format_html

        super().__init__(*args, **kwargs)
        privacy_url = settings.HELPDESK_PRIVACY_URL or reverse("privacy_notice")
        self.fields["consent"].help_text = format_html('<a href="{}" target="_blank" rel="noopener">{}</a>',
                                                       privacy_url, _("Read the privacy notice"))

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            try:
                password_validation.validate_password(p1)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class TicketCreateForm(StyledForm):
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH)
    category = ListedModelChoiceField(
        label=_("Category"), queryset=active_categories(), required=False, empty_label=_("Not sure")
    )
    description = forms.CharField(
        label=_("Description"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What happened, what did you expect, and what have you tried?"),
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].options = reference_lists().active_categories


class AgentTicketForm(StyledForm):
    """An agent files a ticket for a customer: found (the `customer` id the search filled in) or
    added here. Rules (who may, duplicates, what "solved at once" means) are the services'."""

    CHANNELS = [(Channel.PHONE, Channel.PHONE.label), (Channel.WALK_IN, Channel.WALK_IN.label),
                (Channel.CHAT, Channel.CHAT.label), (Channel.EMAIL, Channel.EMAIL.label), (Channel.WEB, Channel.WEB.label)]

    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    new_name = forms.CharField(label=_("Name"), max_length=CUSTOMER_NAME_MAX_LENGTH, required=False)
    new_email = forms.EmailField(label=_("E-mail address"), required=False)
    new_phone = forms.CharField(label=_("Phone"), max_length=PHONE_MAX_LENGTH, required=False)
    new_organisation = forms.CharField(label=_("Organisation"), max_length=ORGANISATION_MAX_LENGTH, required=False)
    new_language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="de", required=False)
    channel = forms.ChoiceField(label=_("How did the case come in?"), choices=CHANNELS, initial=Channel.PHONE)
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH)
    description = forms.CharField(label=_("Description"), max_length=TEXT_MAX_LENGTH,
                                  widget=forms.Textarea(attrs={"rows": 6}))
    category = ListedModelChoiceField(label=_("Category"), queryset=active_categories(), required=False,
                                      empty_label=_("none"))
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL)
    tier = forms.TypedChoiceField(label=_("Level"), coerce=int, required=False)
    attachments = MultipleFileField(label=_("Attachments"))
    solved_at_once = forms.BooleanField(label=_("Solved at once (first-contact resolution)"), required=False)
    solution = forms.CharField(label=_("Answer given to the customer"), max_length=TEXT_MAX_LENGTH, required=False,
                               widget=forms.Textarea(attrs={"rows": 4}),
                               help_text=_("Only if the case was solved at once; this answer is recorded as your reply."))
    notify = forms.BooleanField(label=_("Send the customer the confirmation with the reference"), required=False,
                                initial=True)

    def __init__(self, *args, tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].options = reference_lists().active_categories
        self.fields["tier"].choices = [(t.pk, t.name) for t in tiers]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("solved_at_once") and not (cleaned.get("solution") or "").strip():
            self.add_error("solution", _("Say which answer solved the case."))
        return cleaned


class CustomerForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=CUSTOMER_NAME_MAX_LENGTH)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=PHONE_MAX_LENGTH, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=ORGANISATION_MAX_LENGTH, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    notes = forms.CharField(label=_("Notes about the customer"), required=False, max_length=NOTES_MAX_LENGTH,
                            widget=forms.Textarea(attrs={"rows": 4}), help_text=_("For agents only; the customer never sees them."))


class ReplyForm(StyledForm):
    body = forms.CharField(label=_("Your reply"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_("Attachments"))


class AgentReplyForm(ReplyForm):
    status = forms.ChoiceField(label=_("Status after the reply"), required=False)

    def __init__(self, *args, statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = _("Public reply")
        self.fields["status"].choices = [("", _("(leave as it is)"))] + [
            (s, Status(s).label) for s in statuses
        ]


class NoteForm(StyledForm):
    body = forms.CharField(label=_("Internal note"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(label=_("Attachments"))


class CallForm(StyledForm):
    direction = forms.ChoiceField(label=_("Call"), choices=[("incoming", _("Incoming")), ("outgoing", _("Outgoing"))])
    number = forms.CharField(label=_("Phone number"), max_length=PHONE_MAX_LENGTH, required=False)
    minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=0, max_value=600, initial=5)
    summary = forms.CharField(label=_("What was said"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))
    with_customer = forms.BooleanField(label=_("Call with the customer (counts as our response)"), required=False,
                                       initial=True)


class StatusForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"))

    def __init__(self, *args, statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Nothing chosen until the agent chooses: with the first change preselected, "Set" clicked
        # without looking changed the status.
        self.fields["status"].choices = [("", _("– choose the new status –"))] + [(s, Status(s).label) for s in statuses]


class PriorityForm(StyledForm):
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)


class AssignForm(StyledForm):
    assignee = ListedModelChoiceField(label=_("Assignee"), queryset=None, required=False,
                                      empty_label=_("Nobody (tier queue)"))

    def __init__(self, *args, tier, **kwargs):
        """The ticket may be assigned to the active agents of its `tier`: offered from the cached
        reference lists (from the database for a tier they do not know yet), checked in the database."""
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = tier_agents(tier)
        self.fields["assignee"].options = reference_lists().agents_by_tier.get(tier.pk)
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class TierMoveForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))


class EscalateForm(TierMoveForm):
    # The page shows both forms: each reason says what it is for.
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("Reason for escalating")
        self.fields["reason"].help_text = _("Say what has been tried and why the next level is needed.")


class SendBackForm(TierMoveForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = _("Reason for sending back")
        self.fields["reason"].help_text = _("Say what the lower level should do next, e.g. which article solves it.")


class CategoryForm(StyledForm):
    category = ListedModelChoiceField(label=_("Category"), queryset=active_categories(), required=False,
                                      empty_label=_("none"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].options = reference_lists().active_categories




class LoginForm(auth_forms.AuthenticationForm):
    # Django's text asks for a correct user name and password, which reads as "fill in both fields"
    # to someone who did: say that the two do not belong together.
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _("This e-mail address or user name and this password do not match. Please check both; "
                           "the password is case-sensitive."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("E-mail address or user name")
        style_form(self)


class PasswordResetForm(auth_forms.PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    def get_users(self, email):
        from .selectors import password_reset_users

        return password_reset_users(email=email)


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
