"""One length per field: the forms and the serializers take theirs from the service, and the
service itself refuses what is longer, so that mail and workers meet the same limit."""

import pytest
from django.core.exceptions import ValidationError

from tickets import forms, services
from tickets.api import serializers

pytestmark = pytest.mark.django_db

LIMITS = {
    "name": services.CUSTOMER_NAME_MAX_LENGTH,
    "phone": services.PHONE_MAX_LENGTH,
    "organisation": services.ORGANISATION_MAX_LENGTH,
    "notes": services.NOTES_MAX_LENGTH,
}


@pytest.mark.parametrize("field, limit", LIMITS.items())
def test_the_customer_form_and_serializer_use_the_services_lengths(field, limit):
    assert forms.CustomerForm.base_fields[field].max_length == limit
    assert serializers.CustomerSerializer().fields[field].max_length == limit


def test_the_call_form_and_serializer_use_the_services_lengths():
    assert forms.CallForm.base_fields["number"].max_length == services.PHONE_MAX_LENGTH
    assert serializers.CallSerializer().fields["number"].max_length == services.PHONE_MAX_LENGTH


def test_the_service_refuses_an_organisation_name_that_is_too_long(agent1):
    with pytest.raises(ValidationError):
        services.customer_create(actor=agent1, name="Hanna Huber", phone="089 1",
                                 organisation="X" * (services.ORGANISATION_MAX_LENGTH + 1))
    with pytest.raises(ValidationError):
        services.customer_create(actor=agent1, name="H" * (services.CUSTOMER_NAME_MAX_LENGTH + 1), phone="089 1")
