"""One look for every form: Bootstrap classes on the widgets; each field with its label, help text
and errors (and the aria attributes Django adds for help texts and errors).

Forms, field groups and the common widgets (inputs, text areas, selects) are drawn in Python
(the drawers are in helpdesk/markup.py, with the rest of the product's Python-drawn markup) rather
than through templates: a select of 30 options is 32 template renders (one per option and its
attributes), which made forms the largest single cost of the agent pages. The widgets come out
byte-for-byte as Django's own templates draw them (tests/test_form_renderer.py compares them); any
other widget (radio lists, multi-widgets) is still rendered from its template. The form and the
field group have templates too (helpdesk/templates/helpdesk/forms/). Whichever of these templates a
project overrides is rendered from the project's template instead (helpdesk.theme)."""

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import TemplatesSetting
from django.utils.safestring import mark_safe

from . import markup, theme
from .markup import ATTRS_TEMPLATE, FIELD, FORM, INPUT_TEMPLATE, OPTION_TEMPLATE, WIDGET_DIR

# Django's templates for these are `{% include "django/forms/widgets/input.html" %}` and nothing else.
_INPUT_WIDGETS = ("input", "text", "number", "email", "url", "password", "hidden", "search", "tel", "color",
                  "date", "datetime", "time", "checkbox", "file")
# Each widget drawer with the templates it stands for: the widget's own and those it includes.
_WIDGET_DRAWERS = {
    **{f"{WIDGET_DIR}{name}.html": (markup.input_widget, (INPUT_TEMPLATE, ATTRS_TEMPLATE)) for name in _INPUT_WIDGETS},
    WIDGET_DIR + "textarea.html": (markup.textarea_widget, (ATTRS_TEMPLATE,)),
    WIDGET_DIR + "select.html": (markup.select_widget, (OPTION_TEMPLATE, ATTRS_TEMPLATE)),
}


def _drawer(template_name: str, context):
    """The Python drawer standing in for the template, or None where the template must render: a
    project overrides it (or a template it includes), or the context is not the usual one."""
    if template_name == FIELD and "field" in context:
        return theme.drawn_in_python(FIELD) and (lambda: markup.field_group(context["field"]))
    if template_name == FORM and "form" in context:
        return theme.drawn_in_python(FORM) and (lambda: markup.form_body(context["form"]).strip())
    entry = _WIDGET_DRAWERS.get(template_name)
    if entry is None or "widget" not in context:
        return None
    draw, included = entry
    if not all(theme.drawn_in_python(name) for name in (template_name, *included)):
        return None
    return lambda: draw(context["widget"])


class FormRenderer(TemplatesSetting):
    """Django's TemplatesSetting renderer that draws the common widgets, field groups and forms in
    Python (helpdesk.markup) unless a project overrides their template (helpdesk.theme).

    Mirrors upstream templates, checked against Django 5.2: django/forms/templates/django/forms/
    widgets/{input,attrs,textarea,select,select_option}.html, drawn byte for byte alike
    (tests/test_form_renderer.py compares them for every widget); it uses only the public
    `render(template_name, context, request)` of a renderer. Measured when it was written: forms
    were the largest single cost of the agent pages (a select of 30 options is 32 template renders);
    bench-http's ticket page is the figure to watch."""
    form_template_name = FORM
    field_template_name = FIELD

    def render(self, template_name, context, request=None):
        draw = _drawer(template_name, context)
        if draw:
            html = draw()
            if html is not None:
                return mark_safe(html)
        return super().render(template_name, context, request)


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{css} {markup.widget_class(field.widget)}".strip()


def style_form(form):
    """Style a form we do not own (Django's auth forms, a FilterSet's form)."""
    for field in form.fields.values():
        css = field.widget.attrs.get("class", "")
        field.widget.attrs["class"] = f"{css} {markup.widget_class(field.widget)}".strip()
    return form


class ListedChoices(ModelChoiceIterator):
    """The options of a model choice field from its `options`, a list of (pk, label) pairs that a
    page already holds (cached), or else from its queryset with one plain query per form. Django's
    own iterator runs the queryset through a server-side cursor every time the options are used:
    DECLARE, FETCH, FETCH, CLOSE, four round trips for a list of twenty names. A submitted value is
    still checked against the queryset.

    Mirrors upstream internals, checked against Django 5.2: django/forms/models.py
    `ModelChoiceIterator.__iter__` (empty label, then `queryset.iterator()`), and django-filter 26.2's
    `null_label` option (django_filters/fields.py `ModelChoiceIterator`). Measured 2026-12-02
    (bench/upstream_copies.py, the ticket page's category select): 0.09 ms against upstream's 1.1 ms
    at p50, 11.8 times as fast."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if getattr(self.field, "null_label", None) is not None:  # django-filter's "none" option
            yield (self.field.null_value, self.field.null_label)
        if self.field.options is not None:
            yield from self.field.options
        else:
            for obj in self.field.queryset:  # the field's own queryset: evaluated once, then cached
                yield self.choice(obj)


class ListedOptionsMixin:
    """For a model choice field: `options`, the (pk, label) pairs to offer (see ListedChoices)."""

    iterator = ListedChoices

    def __init__(self, *args, options=None, **kwargs):
        self.options = options
        super().__init__(*args, **kwargs)


class ListedModelChoiceField(ListedOptionsMixin, forms.ModelChoiceField):
    pass
