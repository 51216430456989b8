"""The API against its own OpenAPI description: generated requests, as an agent and as a customer.
No 500s, and every response conforms to the schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from helpdesk.wsgi import application
from tests.factories import CategoryFactory, CustomerFactory, make_agent, make_ticket

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
# "A schema-valid request must be accepted" cannot hold for ids: the schema cannot know which
# category or user exists, and an unknown one is rightly a 400. Every other check stays on.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]
schema.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE], allow_x00=False, max_examples=15)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Like Django's test client: the request must not close the test's database connection."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(tiers):
    customer = CustomerFactory(username="fuzz.customer@example.com")
    agent = make_agent(tiers[0], username="fuzz.agent")
    CategoryFactory(name="Fuzz")
    make_ticket(customer, subject="Fuzzed ticket")
    return {"agent": Token.objects.create(user=agent).key, "customer": Token.objects.create(user=customer).key}


@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_as_an_agent(case, world):
    case.call_and_validate(headers={"Authorization": f"Token {world['agent']}"}, excluded_checks=EXCLUDED)


@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_as_a_customer(case, world):
    case.call_and_validate(headers={"Authorization": f"Token {world['customer']}"}, excluded_checks=EXCLUDED)
