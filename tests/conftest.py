import pytest

from tests.factories import CategoryFactory, CustomerFactory, TierFactory, UserFactory, make_agent


@pytest.fixture
def tiers(db):
    return [TierFactory(level=1), TierFactory(level=2), TierFactory(level=3)]


@pytest.fixture
def tier1(tiers):
    return tiers[0]


@pytest.fixture
def tier2(tiers):
    return tiers[1]


@pytest.fixture
def tier3(tiers):
    return tiers[2]


@pytest.fixture
def agent1(tier1):
    return make_agent(tier1, username="agent.first", first_name="Fiona", last_name="First")


@pytest.fixture
def agent2(tier2):
    return make_agent(tier2, username="agent.second", first_name="Sam", last_name="Second")


@pytest.fixture
def agent3(tier3):
    return make_agent(tier3, username="agent.third", first_name="Tara", last_name="Third")


@pytest.fixture
def customer(db):
    return CustomerFactory(username="alice@example.com", first_name="Alice", last_name="Anders")


@pytest.fixture
def other_customer(db):
    return CustomerFactory(username="bob@example.com", first_name="Bob", last_name="Berg")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def category(db):
    return CategoryFactory(name="Network")


@pytest.fixture
def ticket(customer, tiers, category):
    from tests.factories import make_ticket

    return make_ticket(customer, category=category)


@pytest.fixture
def login(client):
    """Log a user in on the Django test client: `login(user)`."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(scope="session", autouse=True)
def private_celery_queue():
    """Tasks enqueued by this test run go to a queue of its own (in the test Redis database), so no
    other worker eats them and nothing is left behind."""
    import os

    import redis
    from django.conf import settings

    from helpdesk.celery import app as celery_app

    queue = f"tests-{os.getpid()}"
    celery_app.conf.task_default_queue = queue
    yield queue
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(queue)
