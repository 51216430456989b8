"""Forms and services meet here: a service's refusal shown on the form that asked for it."""

from django.core.exceptions import ValidationError


def run_service(form, service, **kwargs):
    """Call a service with a valid form's data. A refusal becomes an error on the form, so the page
    shows it next to what the person typed and nothing is lost."""
    try:
        return service(**kwargs)
    except ValidationError as error:
        form.errors  # noqa: B018  (cleans the form first, so the error can be added to it)
        form.add_error(None, error)
        return None
