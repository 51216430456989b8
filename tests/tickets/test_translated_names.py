"""Category and tier names in the reader's language (tickets/translation.py): pages, API, mail, admin."""

import pytest
from django.core import mail
from django.utils import translation
from rest_framework.test import APIClient

from tests.factories import make_ticket
from tickets import services
from tickets.models import Category, Tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def german_names(tiers):
    names = {1: "1. Level", 2: "2. Level", 3: "3. Level"}
    for tier in tiers:
        tier.name_de = names[tier.level]
        tier.save()
    return Category.objects.create(name_en="Billing", name_de="Abrechnung")


@pytest.fixture
def billing_ticket(german_names, customer):
    return make_ticket(customer, category=german_names)


def test_the_name_follows_the_active_language_and_falls_back_to_english(german_names):
    untranslated = Category.objects.create(name_en="Network & VPN")
    with translation.override("de"):
        assert str(Category.objects.get(pk=german_names.pk)) == "Abrechnung"
        assert Category.objects.get(pk=untranslated.pk).name == "Network & VPN"
        assert Tier.objects.get(level=1).name == "1. Level"
    with translation.override("en"):
        assert Category.objects.get(pk=german_names.pk).name == "Billing"
        assert Tier.objects.get(level=1).name == "1st Level"


def test_agent_pages_show_german_names(client, agent1, billing_ticket):
    client.force_login(agent1)
    queue = client.get("/agent/", {"status": "all", "tier": "all"}, HTTP_ACCEPT_LANGUAGE="de").text
    assert "Abrechnung" in queue and "1. Level" in queue
    assert "Billing" not in queue and "1st Level" not in queue
    english = client.get("/agent/", {"status": "all", "tier": "all"}, HTTP_ACCEPT_LANGUAGE="en").text
    assert "Billing" in english and "1st Level" in english

    page = client.get(f"/agent/tickets/{billing_ticket.reference}/", HTTP_ACCEPT_LANGUAGE="de").text
    assert "1. Level" in page and "An 2. Level eskalieren" in page


def test_the_portal_offers_german_categories(client, customer, german_names, billing_ticket):
    client.force_login(customer)
    assert "Abrechnung" in client.get("/portal/tickets/new/", HTTP_ACCEPT_LANGUAGE="de").text
    assert "Abrechnung" in client.get("/portal/", HTTP_ACCEPT_LANGUAGE="de").text


def test_timeline_events_name_tiers_and_categories_in_the_readers_language(client, agent1, agent2, billing_ticket):
    other = Category.objects.create(name_en="Hardware", name_de="Geräte")
    with translation.override("de"):  # a German agent acts: the event still reads in English for others
        services.ticket_change_category(ticket=billing_ticket, actor=agent1, category=other)
        services.ticket_escalate(ticket=billing_ticket, actor=agent1, reason="Zu tief für den 1st Level")
    client.force_login(agent2)
    german = client.get(f"/agent/tickets/{billing_ticket.reference}/", HTTP_ACCEPT_LANGUAGE="de").text
    assert "Kategorie von „Abrechnung“ auf „Geräte“ geändert" in german
    assert "Von 1. Level an 2. Level eskaliert" in german
    english = client.get(f"/agent/tickets/{billing_ticket.reference}/", HTTP_ACCEPT_LANGUAGE="en").text
    assert "Category changed from “Billing” to “Hardware”" in english
    assert "Escalated from 1st Level to 2nd Level" in english


def test_the_api_names_them_in_the_requests_language(agent1, billing_ticket):
    client = APIClient()
    client.force_authenticate(agent1)
    ticket = client.get(f"/api/v1/tickets/{billing_ticket.reference}/", HTTP_ACCEPT_LANGUAGE="de").json()
    assert ticket["category"]["name"] == "Abrechnung"
    assert ticket["tier"]["name"] == "1. Level"
    assert [t["name"] for t in client.get("/api/v1/tiers/", HTTP_ACCEPT_LANGUAGE="de").json()] == [
        "1. Level", "2. Level", "3. Level"]
    english = client.get(f"/api/v1/tickets/{billing_ticket.reference}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["category"]["name"] == "Billing"


def test_mail_names_the_tier_in_the_recipients_language(german_names, agent1, customer):
    from escalation.models import Notification
    from escalation.notifications import send_notification_mails
    from tickets.models import Profile

    Profile.objects.filter(user=agent1).update(language="de")
    ticket = make_ticket(customer)
    notification = Notification.objects.create(
        recipient=agent1, ticket=ticket, kind="breached",
        data={"metric": "resolution", "due_at": "2026-11-24T10:00:00+00:00", "action": "moved", "rule_name": "Hoch",
              "to_tier": {"id": Tier.objects.get(level=2).pk, "level": 2, "name": "2nd Level"}})
    mail.outbox.clear()
    assert send_notification_mails([notification.pk]) == 1
    assert "2. Level" in mail.outbox[0].body and "2nd Level" not in mail.outbox[0].body


def test_the_admin_has_a_name_per_language(admin_client, german_names):
    page = admin_client.get(f"/admin/tickets/category/{german_names.pk}/change/", HTTP_ACCEPT_LANGUAGE="de").text
    assert 'name="name_en"' in page and 'name="name_de"' in page
    assert 'value="Abrechnung"' in page
    listing = admin_client.get("/admin/tickets/category/", HTTP_ACCEPT_LANGUAGE="de").text
    assert "Abrechnung" in listing
    assert "Billing" in admin_client.get("/admin/tickets/category/", {"q": "Abrech"}, HTTP_ACCEPT_LANGUAGE="en").text
