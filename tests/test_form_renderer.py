"""The form renderer builds the common widgets in Python: its HTML must be exactly what Django's own
widget templates give, for every widget it draws and for values that need escaping."""

import datetime
import re

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy, override

from helpdesk import theme
from helpdesk.forms import FIELD, FORM, FormRenderer, StyledForm
from knowledgebase.forms import ArticleForm, SearchForm
from tickets.forms import (AgentReplyForm, AssignForm, CategoryForm, EscalateForm, NoteForm, PriorityForm, RegistrationForm,
                           StatusForm, TicketCreateForm)

TRICKY = 'a <b> & "c" \'d\''


class EveryWidgetForm(StyledForm):
    text = forms.CharField(max_length=20, help_text="help")
    email = forms.EmailField(required=False)
    number = forms.IntegerField(min_value=0)
    decimal = forms.DecimalField(required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    url = forms.URLField(required=False, assume_scheme="https")
    search = forms.CharField(widget=forms.SearchInput, required=False)
    agree = forms.BooleanField(required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    empty_body = forms.CharField(widget=forms.Textarea, required=False)
    choice = forms.ChoiceField(choices=[("", "---"), ("a", gettext_lazy("Open")), (TRICKY, TRICKY), (1, "one")])
    grouped = forms.ChoiceField(choices=[("Group <1>", [("x", "X"), ("y", "Y")]), ("z", "Z")])
    several = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B"), ("c", "C")], required=False)
    maybe = forms.NullBooleanField(required=False)
    disabled = forms.CharField(disabled=True, required=False)
    upload = forms.FileField(required=False, widget=forms.FileInput)


VALUES = {
    "text": TRICKY, "email": "x@example.com", "number": "7", "decimal": "1.50", "day": "2026-11-22",
    "moment": "2026-11-22 10:00", "secret": TRICKY, "hidden": TRICKY, "url": "https://example.com/?a=1&b=2",
    "search": TRICKY, "agree": "on", "body": f"line 1\n{TRICKY}", "empty_body": "", "choice": TRICKY,
    "grouped": "y", "several": ["a", "c"], "maybe": "true", "disabled": "x",
}


def assert_same_as_templates(form):
    templates = TemplatesSetting()
    for bound in form:
        drawn = bound.as_widget()
        form.renderer = templates
        expected = bound.as_widget()
        form.renderer = FormRenderer()
        assert drawn == expected, bound.name


@pytest.mark.parametrize("data", [None, VALUES, {"number": "-1", "body": ""}], ids=["blank", "filled", "invalid"])
def test_every_widget_is_drawn_exactly_as_djangos_templates_draw_it(data):
    form = EveryWidgetForm(data, initial={"day": datetime.date(2026, 1, 2), "choice": "a"}, renderer=FormRenderer())
    form.is_valid() if data else None
    assert_same_as_templates(form)


def test_widgets_without_a_python_drawing_still_come_from_their_templates():
    class RadioForm(forms.Form):
        pick = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
        boxes = forms.MultipleChoiceField(choices=[("a", "A")], widget=forms.CheckboxSelectMultiple)

    form = RadioForm({"pick": "a"}, renderer=FormRenderer())
    assert 'type="radio"' in str(form["pick"])
    assert_same_as_templates(form)


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", [TicketCreateForm, RegistrationForm, NoteForm, PriorityForm, CategoryForm, EscalateForm, ArticleForm, SearchForm])
def test_the_helpdesk_forms_are_drawn_exactly_as_before(form_class, tiers):
    with override("de"):
        assert_same_as_templates(form_class())


@pytest.mark.django_db
def test_forms_with_runtime_choices_are_drawn_exactly_as_before(agent1, agent2):
    from tickets.models import Status

    statuses = [Status.OPEN, Status.WAITING, Status.SOLVED]
    for form in (AgentReplyForm(statuses=statuses), StatusForm(statuses=statuses, data={"status": "open"}),
                 AssignForm(tier=agent1.tier_memberships.get().tier, initial={"assignee": agent1.pk})):
        assert_same_as_templates(form)


def test_a_field_group_has_its_label_required_mark_help_and_errors_linked_to_the_widget():
    form = EveryWidgetForm({"number": "-1"}, renderer=FormRenderer())
    form.is_valid()
    html = form["number"].as_field_group()
    assert '<label class="form-label" for="id_number">Number <span class="text-danger" aria-hidden="true">*</span></label>' in html
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_number_error"' in html
    assert '<div class="invalid-feedback d-block" id="id_number_error">' in html
    text = form["text"].as_field_group()
    assert '<div class="form-text" id="id_text_helptext">help</div>' in text
    agree = form["agree"].as_field_group()
    assert agree.startswith('<div class="form-check mb-3"><input type="checkbox"')
    assert '<label class="form-check-label" for="id_agree">Agree</label>' in agree


def test_a_whole_form_shows_its_own_errors_and_hidden_fields_first():
    class Login(StyledForm):
        next = forms.CharField(widget=forms.HiddenInput, required=False)
        user = forms.CharField()

        def clean(self):
            raise forms.ValidationError("Wrong <user> or password")

    form = Login({"next": "/x", "user": "a"}, renderer=FormRenderer())
    form.is_valid()
    html = str(form)
    assert html.startswith('<div class="alert alert-danger" role="alert"><div>Wrong &lt;user&gt; or password</div></div>')
    assert html.index('type="hidden"') < html.index('for="id_user"')


# --- the theme seam: a template a project overrides wins ------------------------------------------------


def _squeezed(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


@pytest.mark.parametrize("data", [None, {"number": "-1"}], ids=["blank", "invalid"])
def test_the_field_and_form_templates_give_what_the_python_drawing_gives(data):
    """What a project starts from when it copies helpdesk/forms/field.html or form.html."""
    class OurTemplates(TemplatesSetting):
        form_template_name, field_template_name = FORM, FIELD

    drawn = EveryWidgetForm(data, renderer=FormRenderer())
    templated = EveryWidgetForm(data, renderer=OurTemplates())
    if data:
        drawn.is_valid(), templated.is_valid()
    for name in ("text", "number", "agree", "body"):
        assert _squeezed(templated[name].as_field_group()) == _squeezed(drawn[name].as_field_group()), name
    assert _squeezed(str(templated)) == _squeezed(str(drawn))


def test_a_project_that_overrides_the_select_widget_gets_its_own_select(project_templates):
    project_templates("django/forms/widgets/select.html", '<select class="project-select" name="{{ widget.name }}"></select>')
    html = str(EveryWidgetForm(renderer=FormRenderer())["choice"])
    assert html == '<select class="project-select" name="choice"></select>'
    assert 'type="text"' in str(EveryWidgetForm(renderer=FormRenderer())["text"])  # the others still drawn


def test_an_override_of_an_included_template_counts_too(project_templates):
    project_templates("django/forms/widgets/attrs.html", '{% for name, value in widget.attrs.items %} data-project-{{ name }}{% endfor %}')
    assert "data-project-maxlength" in str(EveryWidgetForm(renderer=FormRenderer())["text"])


@pytest.mark.django_db
def test_a_project_that_overrides_the_field_group_gets_its_own_markup(project_templates):
    project_templates("helpdesk/forms/field.html", '<p class="project-field">{{ field.label }} {{ field }}</p>')
    html = str(TicketCreateForm(renderer=FormRenderer()))
    assert '<p class="project-field">' in html and 'class="mb-3"' not in html


def test_without_an_override_the_product_draws_in_python():
    theme.drawn_in_python.cache_clear()
    assert theme.drawn_in_python("django/forms/widgets/select.html")
    assert theme.drawn_in_python(FIELD)
