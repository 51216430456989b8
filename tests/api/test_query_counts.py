"""Every list costs the same number of SQL queries however many rows it shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from escalation.models import Notification
from knowledgebase.models import ArticleState
from tests.factories import make_ticket
from tests.knowledgebase.conftest import make_article, reviewer  # noqa: F401
from tickets import services

pytestmark = pytest.mark.django_db


def queries(client, url):
    client.get(url)  # warm: the user object caches its tiers after the first request of a test
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(context)


@pytest.fixture
def agent_client(client, agent1):
    client.force_login(agent1)
    return client


@pytest.fixture
def agent_api(agent1):
    api = APIClient()
    api.force_authenticate(agent1)
    return api


def add_notifications(agent, ticket, n):
    Notification.objects.bulk_create(Notification(recipient=agent, ticket=ticket, kind="warned",
                                                  data={"metric": "first_response", "due_at": "2026-11-23T10:00:00+01:00"})
                                     for _ in range(n))


def test_the_notifications_page_and_api(agent_client, agent_api, agent1, ticket):
    add_notifications(agent1, ticket, 3)
    few = (queries(agent_client, "/agent/notifications/"), queries(agent_api, "/api/v1/notifications/?size=100"))
    add_notifications(agent1, ticket, 30)
    many = (queries(agent_client, "/agent/notifications/"), queries(agent_api, "/api/v1/notifications/?size=100"))
    assert few == many


def test_the_ticket_timeline_api(agent_api, agent1, ticket):
    url = f"/api/v1/tickets/{ticket.reference}/events/?size=100"
    few = queries(agent_api, url)
    for i in range(30):
        services.ticket_add_note(ticket=ticket, author=agent1, body=f"note {i}")
    assert queries(agent_api, url) == few


def test_the_knowledge_base_pages(agent_client, make_article, reviewer):  # noqa: F811
    agent_client.force_login(reviewer)
    urls = ["/kb/?q=VPN", "/kb/", "/kb/review/"]
    make_article(title="VPN one")
    make_article(title="VPN in review", state=ArticleState.REVIEW)
    few = [queries(agent_client, u) for u in urls]
    for i in range(15):
        make_article(title=f"VPN article {i}")
        make_article(title=f"VPN pending {i}", state=ArticleState.REVIEW)
    assert [queries(agent_client, u) for u in urls] == few


def test_the_customer_ticket_list_api(customer, tiers):
    api = APIClient()
    api.force_authenticate(customer)
    make_ticket(customer)
    few = queries(api, "/api/v1/tickets/?size=100")
    for _ in range(20):
        make_ticket(customer)
    assert queries(api, "/api/v1/tickets/?size=100") == few
