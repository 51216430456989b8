"""One look for every form: Bootstrap classes on the widgets; each field with its label, help text
and errors (and the aria attributes Django adds for help texts and errors).

Forms, field groups and the common widgets (inputs, text areas, selects) are drawn in Python rather
than through templates: a select of 30 options is 32 template renders (one per option and its
attributes), which made forms the largest single cost of the agent pages. The widgets come out
byte-for-byte as Django's own templates draw them (tests/test_form_renderer.py compares them); any
other widget (radio lists, multi-widgets) is still rendered from its template. The form and the
field group have templates too (helpdesk/templates/helpdesk/forms/). Whichever of these templates a
project overrides is rendered from the project's template instead (helpdesk.theme)."""

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import TemplatesSetting
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from . import theme

_WIDGETS = "django/forms/widgets/"
_OPTION_TEMPLATE = _WIDGETS + "select_option.html"
_ATTRS_TEMPLATE = _WIDGETS + "attrs.html"
_INPUT_TEMPLATE = _WIDGETS + "input.html"


def _attrs(attrs) -> str:
    # django/forms/widgets/attrs.html: False drops the attribute, True writes it bare.
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items() if value is not False
    )


def _input(widget) -> str:
    value = widget["value"]
    value = "" if value is None else f' value="{conditional_escape(value)}"'
    return f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _textarea(widget) -> str:
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _select(widget) -> str | None:
    # The renderer strips what a template renders, not what it includes: select_option.html's final
    # newline stays after each option.
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            if option["template_name"] != _OPTION_TEMPLATE:
                return None
            parts.append(f'\n  <option value="{conditional_escape(option["value"])}"{_attrs(option["attrs"])}>'
                         f'{conditional_escape(option["label"])}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


# Django's templates for these are `{% include "django/forms/widgets/input.html" %}` and nothing else.
_INPUT_TEMPLATES = ("input", "text", "number", "email", "url", "password", "hidden", "search", "tel", "color",
                    "date", "datetime", "time", "checkbox", "file")
# Each widget drawer with the templates it stands for: the widget's own and those it includes.
_WIDGET_DRAWERS = {
    **{f"{_WIDGETS}{name}.html": (_input, (_INPUT_TEMPLATE, _ATTRS_TEMPLATE)) for name in _INPUT_TEMPLATES},
    _WIDGETS + "textarea.html": (_textarea, (_ATTRS_TEMPLATE,)),
    _WIDGETS + "select.html": (_select, (_OPTION_TEMPLATE, _ATTRS_TEMPLATE)),
}


def _field_group(field) -> str:
    """A field with its label, help text and errors, in Bootstrap's markup. The widget carries the
    aria-describedby that Django adds for the help text and the errors."""
    auto_id = conditional_escape(field.auto_id)
    label = conditional_escape(field.label)
    if field.widget_type == "checkbox":
        head = f'<div class="form-check mb-3">{field}<label class="form-check-label" for="{auto_id}">{label}</label>\n'
    else:
        required = ' <span class="text-danger" aria-hidden="true">*</span>' if field.field.required else ""
        head = (f'<div class="mb-3"><label class="form-label" for="{auto_id}">{label}{required}</label>' if field.label
                else '<div class="mb-3">') + f"\n{field}"
    help_text = f'<div class="form-text" id="{auto_id}_helptext">{field.help_text}</div>' if field.help_text else ""
    errors = "".join(f'<div class="invalid-feedback d-block" id="{auto_id}_error">{conditional_escape(error)}</div>'
                     for error in field.errors)
    return f"{head}\n{help_text}\n{errors}\n</div>"


def _form(form) -> str:
    parts = []
    if form.non_field_errors():
        errors = "".join(f"<div>{conditional_escape(error)}</div>" for error in form.non_field_errors())
        parts.append(f'<div class="alert alert-danger" role="alert">{errors}</div>')
    parts.append("\n")
    for field in form.hidden_fields():
        parts.append(str(field))
        parts.extend(f'<div class="alert alert-danger">{conditional_escape(error)}</div>' for error in field.errors)
    parts.append("\n")
    in_python = theme.drawn_in_python(FIELD)
    parts.extend(_field_group(field) if in_python else str(field.as_field_group()) for field in form.visible_fields())
    return "".join(parts)


FORM = "helpdesk/forms/form.html"  # drawn by _form and _field_group unless a project overrides them
FIELD = "helpdesk/forms/field.html"


def _drawer(template_name: str, context):
    """The Python drawer standing in for the template, or None where the template must render: a
    project overrides it (or a template it includes), or the context is not the usual one."""
    if template_name == FIELD and "field" in context:
        return theme.drawn_in_python(FIELD) and (lambda: _field_group(context["field"]))
    if template_name == FORM and "form" in context:
        return theme.drawn_in_python(FORM) and (lambda: _form(context["form"]).strip())
    entry = _WIDGET_DRAWERS.get(template_name)
    if entry is None or "widget" not in context:
        return None
    draw, included = entry
    if not all(theme.drawn_in_python(name) for name in (template_name, *included)):
        return None
    return lambda: draw(context["widget"])


class FormRenderer(TemplatesSetting):
    form_template_name = FORM
    field_template_name = FIELD

    def render(self, template_name, context, request=None):
        draw = _drawer(template_name, context)
        if draw:
            html = draw()
            if html is not None:
                return mark_safe(html)
        return super().render(template_name, context, request)


def _css_class(widget) -> str:
    if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{css} {_css_class(field.widget)}".strip()


def style_form(form):
    """Style a form we do not own (Django's auth forms, a FilterSet's form)."""
    for field in form.fields.values():
        css = field.widget.attrs.get("class", "")
        field.widget.attrs["class"] = f"{css} {_css_class(field.widget)}".strip()
    return form


class ListedChoices(ModelChoiceIterator):
    """The options of a model choice field from its `options`, a list of (pk, label) pairs that a
    page already holds (cached), or else from its queryset with one plain query per form. Django's
    own iterator runs the queryset through a server-side cursor every time the options are used:
    DECLARE, FETCH, FETCH, CLOSE, four round trips for a list of twenty names. A submitted value is
    still checked against the queryset."""

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
