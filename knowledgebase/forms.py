"""Form fields of the knowledge-base pages. Forms only parse input; the rules live in services.py."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helpdesk.forms import StyledForm
from tickets.models import Category
from tickets.selectors import active_categories, tiers

from .models import Audience, Language
from .selectors import MAX_QUERY_LENGTH
from .services import REVIEW_COMMENT_MAX_LENGTH

TEXTAREA_ROWS = {"problem": 4, "environment": 2, "cause": 3, "resolution": 6, "summary": 3}


class SearchForm(StyledForm):
    q = forms.CharField(label=_("Search the knowledge base"), required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. VPN disconnects")}))
    language = forms.ChoiceField(label=_("Language"), required=False,
                                 choices=[("", _("All languages"))] + list(Language.choices))

    def clean_q(self):
        # Longer input is cut rather than refused: a pasted error message is still a fine query.
        return self.cleaned_data["q"][:MAX_QUERY_LENGTH]


class ArticleForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    problem = forms.CharField(label=_("Problem"), widget=forms.Textarea,
                              help_text=_("In the customer's words: what do they see?"))
    environment = forms.CharField(label=_("Environment"), required=False, widget=forms.Textarea,
                                  help_text=_("Product, version, system."))
    cause = forms.CharField(label=_("Cause"), required=False, widget=forms.Textarea)
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea,
                                 help_text=_("The steps that solve it, one per line."))
    summary = forms.CharField(label=_("Explanation for customers"), required=False, widget=forms.Textarea,
                              help_text=_("A short explanation in plain words, for customers and the 1st level."))
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False,
                                      empty_label=_("none"))
    tags = forms.CharField(label=_("Tags"), required=False, max_length=1000,
                           help_text=_("Separated by commas, e.g. vpn, windows, certificate."))
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    min_tier = forms.ModelChoiceField(label=_("From tier"), queryset=tiers(), required=False, empty_label=_("none"),
                                      help_text=_("Only for the audience “Agents from a tier up”."))
    note = forms.CharField(label=_("Change note"), required=False, max_length=300,
                           help_text=_("What did you change? Shown in the version history."))

    def __init__(self, *args, article=None, **kwargs):
        if article is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": article.title, "problem": article.problem, "environment": article.environment,
                "cause": article.cause, "resolution": article.resolution, "summary": article.summary,
                "category": article.category_id, "tags": ", ".join(article.tags), "language": article.language,
                "audience": article.audience, "min_tier": article.min_tier_id,
            }
        super().__init__(*args, **kwargs)
        for name, rows in TEXTAREA_ROWS.items():
            self.fields[name].widget.attrs["rows"] = rows
        # An article keeps its category even when the category is no longer offered for new ones.
        current = article.category_id if article is not None else None
        self.fields["category"].queryset = Category.objects.filter(
            Q(pk__in=active_categories().values("pk")) | Q(pk=current)
        ).order_by("name")

    def clean_tags(self):
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]

    def article_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in ("title", "problem", "environment", "cause", "resolution", "summary",
                                                 "category", "tags", "language", "audience", "min_tier")}
        return fields


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(choices=[("yes", "yes"), ("no", "no")], coerce=lambda v: v == "yes")


class DeflectionForm(forms.Form):
    q = forms.CharField(required=False)  # what the customer was about to ask; the service cuts it to size


class SendBackForm(StyledForm):
    comment = forms.CharField(label=_("What should the author change?"), max_length=REVIEW_COMMENT_MAX_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 3}))


class PublishForm(StyledForm):
    comment = forms.CharField(label=_("Comment (optional)"), required=False,
                              max_length=REVIEW_COMMENT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))
