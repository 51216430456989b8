"""The Django admin: admins configure tiers and members; tickets are read-only with their timeline."""

import pytest

from tickets import services
from tickets.models import Tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("path", [
    "/admin/", "/admin/tickets/tier/", "/admin/tickets/tier/add/", "/admin/tickets/category/",
    "/admin/tickets/organisation/", "/admin/tickets/profile/", "/admin/tickets/ticket/",
    "/admin/tickets/tiermembership/", "/admin/auth/user/",
])
def test_every_admin_list_opens(admin_client, path, tiers):
    assert admin_client.get(path).status_code == 200


def test_an_admin_creates_a_tier_with_a_member_and_a_lead(admin_client, agent1):
    response = admin_client.post("/admin/tickets/tier/add/", {
        "level": 4, "name_en": "Vendor", "name_de": "Dienstleister", "lead": agent1.pk,
        "memberships-TOTAL_FORMS": 1, "memberships-INITIAL_FORMS": 0,
        "memberships-0-agent": agent1.pk,
        "powers-TOTAL_FORMS": 0, "powers-INITIAL_FORMS": 0,
    })
    assert response.status_code == 302, response.content
    tier = Tier.objects.get(level=4)
    assert tier.lead == agent1
    assert list(tier.members.all()) == [agent1]


def test_the_ticket_page_shows_the_timeline_and_cannot_be_edited(admin_client, ticket, agent1):
    services.ticket_add_note(ticket=ticket, author=agent1, body="Checked the cabling")
    page = admin_client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").text
    assert "Checked the cabling" in page
    assert "Internal note" in page
    assert 'name="subject"' not in page  # read-only
    assert admin_client.get("/admin/tickets/ticket/add/").status_code == 403


def test_the_admin_speaks_german(admin_client, tiers):
    page = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="de").text
    assert "Support-Level" in page
    assert "Helpdesk-Verwaltung" in page


def test_agents_and_customers_cannot_enter_the_admin(client, agent1, customer):
    for user in (agent1, customer):
        client.force_login(user)
        assert client.get("/admin/").status_code == 302
