"""Powers per level: which ticket actions a tier's members may take on tickets of which levels,
who reviews articles and who keeps which configuration. Data an admin sets per tier; enforced in the
services, so that pages, the API, mail and workers obey the same rules."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from rest_framework.test import APIClient

from knowledgebase import selectors as kb_selectors
from tests.factories import make_agent, make_ticket
from tickets import powers, services
from tickets.api.views import TicketViewSet
from tickets.models import Category, Priority, Reach, Status, TicketAction, Tier, TierPower
from tickets.views.agent import ACTIONS as PAGE_ACTIONS

pytestmark = pytest.mark.django_db

# What each action of the ticket page and of the API is governed by. A new action fails
# test_every_action_has_a_power until it is entered here, and the matrix below then checks its rule.
PAGE_ACTION_POWERS = {
    "reply": TicketAction.REPLY, "note": TicketAction.NOTE, "call": TicketAction.NOTE, "status": TicketAction.STATUS,
    "priority": TicketAction.PRIORITY, "category": TicketAction.CATEGORY, "assign": TicketAction.ASSIGN,
    "escalate": TicketAction.ESCALATE, "send_back": TicketAction.SEND_BACK,
}
API_ACTION_POWERS = {
    "note": TicketAction.NOTE, "call": TicketAction.NOTE, "change_priority": TicketAction.PRIORITY,
    "change_category": TicketAction.CATEGORY, "assign": TicketAction.ASSIGN, "take": TicketAction.ASSIGN,
    "escalate": TicketAction.ESCALATE, "send_back": TicketAction.SEND_BACK,
}


def test_every_action_has_a_power():
    assert set(PAGE_ACTIONS) == set(PAGE_ACTION_POWERS)
    # bulk/ asks each single change's own power, ticket by ticket (tests/tickets/test_bulk.py).
    assert TicketViewSet.AGENT_ACTIONS - {"bulk"} == set(API_ACTION_POWERS)
    assert set(powers.DEFAULT_REACH) == set(TicketAction)
    for action in TicketAction:
        assert "%(tier)s" in powers._refusal(action)


def at_level(ticket, level):
    if ticket.tier.level != level:
        services.ticket_move_to_tier(ticket=ticket, actor=None, to_tier=Tier.objects.get(level=level), reason="",
                                     automatic={"test": True})
    ticket.refresh_from_db()
    return ticket


def refused(do) -> bool:
    """Whether the service refused for want of power (rolled back either way)."""
    try:
        with transaction.atomic():
            do()
            transaction.set_rollback(True)
    except PermissionDenied:
        return True
    except ValidationError:
        return False  # past the power check, stopped by a rule of the ticket itself
    return False


def attempts(ticket, agent, category):
    return {
        TicketAction.REPLY: lambda: services.ticket_reply(ticket=ticket, author=agent, body="Antwort"),
        TicketAction.NOTE: lambda: services.ticket_add_note(ticket=ticket, author=agent, body="Notiz"),
        TicketAction.STATUS: lambda: services.ticket_change_status(ticket=ticket, actor=agent, status=Status.WAITING),
        TicketAction.PRIORITY: lambda: services.ticket_change_priority(ticket=ticket, actor=agent, priority=Priority.HIGH),
        TicketAction.CATEGORY: lambda: services.ticket_change_category(ticket=ticket, actor=agent, category=category),
        TicketAction.ASSIGN: lambda: services.ticket_assign(ticket=ticket, actor=agent, assignee=None),
        TicketAction.ESCALATE: lambda: services.ticket_escalate(ticket=ticket, actor=agent, reason="Hilfe"),
        TicketAction.SEND_BACK: lambda: services.ticket_send_back(ticket=ticket, actor=agent, reason="Zurück"),
    }


# By default: act on your own level and below, read and note everywhere, escalate only at your level.
DEFAULT_ALLOWED = {
    TicketAction.REPLY: lambda own, at: at <= own,
    TicketAction.NOTE: lambda own, at: True,
    TicketAction.STATUS: lambda own, at: at <= own,
    TicketAction.PRIORITY: lambda own, at: at <= own,
    TicketAction.CATEGORY: lambda own, at: at <= own,
    TicketAction.ASSIGN: lambda own, at: at <= own,
    TicketAction.ESCALATE: lambda own, at: at == own,
    TicketAction.SEND_BACK: lambda own, at: at <= own,
}


@pytest.mark.parametrize("ticket_level", [1, 2, 3])
@pytest.mark.parametrize("agent_level", [1, 2, 3])
def test_the_default_powers_per_level(agent_level, ticket_level, customer, tiers, category):
    agent = make_agent(tiers[agent_level - 1], username=f"level{agent_level}")
    ticket = at_level(make_ticket(customer), ticket_level)
    for action, do in attempts(ticket, agent, category).items():
        if (action, ticket_level) in ((TicketAction.ESCALATE, 3), (TicketAction.SEND_BACK, 1)):
            continue  # nowhere to go: refused by the ticket's own rule before any power is asked
        ticket.refresh_from_db()  # a rolled-back move leaves the instance at the new tier
        allowed = DEFAULT_ALLOWED[action](agent_level, ticket_level)
        assert powers.may(agent, action, ticket.tier_id) is allowed
        assert refused(do) is not allowed, (action, agent_level, ticket_level)


def test_the_refusal_says_what_and_where_in_the_readers_language(customer, agent1, tiers):
    ticket = at_level(make_ticket(customer), 3)
    with pytest.raises(PermissionDenied, match="Your level may not answer tickets at 3rd Level."):
        services.ticket_reply(ticket=ticket, author=agent1, body="Hallo")
    with translation.override("de"), pytest.raises(PermissionDenied, match="Ihr Level darf keine Tickets"):
        services.ticket_reply(ticket=ticket, author=agent1, body="Hallo")
    assert ticket.events.count() == 2  # created, moved: nothing of the refused reply


def test_an_admin_widens_and_narrows_a_tiers_powers(customer, agent1, agent3, tiers):
    ticket = at_level(make_ticket(customer), 3)
    TierPower.objects.create(tier=tiers[0], action=TicketAction.REPLY, reach=Reach.ALL)
    services.ticket_reply(ticket=ticket, author=agent1, body="Der 1st Level darf hier antworten.")

    TierPower.objects.create(tier=tiers[2], action=TicketAction.NOTE, reach=Reach.NONE)
    with pytest.raises(PermissionDenied):
        services.ticket_add_note(ticket=ticket, author=agent3, body="Notiz")
    TierPower.objects.filter(tier=tiers[2], action=TicketAction.NOTE).update(reach=Reach.OWN_LEVEL)
    from tickets.selectors import drop_reference_lists

    drop_reference_lists()  # a queryset update sends no signal; the admin saves rows one by one
    services.ticket_add_note(ticket=ticket, author=agent3, body="Notiz")


def test_an_agent_in_two_tiers_has_the_powers_of_both(customer, tiers):
    agent = make_agent(tiers[0], username="both")
    make_agent(tiers[2], username="both")
    ticket = at_level(make_ticket(customer), 3)
    services.ticket_reply(ticket=ticket, author=agent, body="Antwort")


def test_the_system_and_admins_may_do_everything(customer, admin_user, tiers):
    ticket = at_level(make_ticket(customer), 3)
    services.ticket_add_note(ticket=ticket, author=None, body="Vom System")
    services.ticket_reply(ticket=ticket, author=admin_user, body="Vom Admin")
    services.ticket_send_back(ticket=ticket, actor=admin_user, reason="Zurück")


def test_customers_are_not_governed_by_tier_powers(customer, tiers):
    ticket = at_level(make_ticket(customer), 3)
    services.ticket_reply(ticket=ticket, author=customer, body="Noch eine Frage")
    services.ticket_change_status(ticket=ticket, actor=customer, status=Status.SOLVED)


def test_the_ticket_page_offers_a_1st_level_agent_only_reading_and_notes_at_the_3rd_level(login, customer, agent1,
                                                                                          tiers, category):
    ticket = at_level(make_ticket(customer), 3)
    page = login(agent1).get(f"/agent/tickets/{ticket.reference}/").text
    assert "/note/" in page and "/call/" in page
    for action in ("reply", "status", "priority", "category", "assign", "escalate", "send_back"):
        assert f"/{ticket.reference}/{action}/" not in page, action
    assert f"/{ticket.reference}/take/" not in page
    # And asked anyway, the service refuses.
    response = login(agent1).post(f"/agent/tickets/{ticket.reference}/reply/", {"body": "Hallo"})
    assert response.status_code == 403
    assert not ticket.events.filter(kind="reply").exists()


def test_the_api_refuses_in_words_as_json(customer, agent1, tiers):
    ticket = at_level(make_ticket(customer), 3)
    client = APIClient()
    client.force_authenticate(agent1)
    response = client.post(f"/api/v1/tickets/{ticket.reference}/reply/", {"body": "Hallo"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Your level may not answer tickets at 3rd Level."
    response = client.post(f"/api/v1/tickets/{ticket.reference}/escalate/", {"reason": "x"}, format="json")
    assert response.status_code in (400, 403)  # nowhere higher to go, and not the 1st level's to move
    assert client.post(f"/api/v1/tickets/{ticket.reference}/note/", {"body": "Notiz"}, format="json").status_code == 200


# --- reviewing articles ---------------------------------------------------------------------------------


def test_the_3rd_level_and_the_leads_review_articles_by_default(agent1, agent2, agent3, tiers):
    assert kb_selectors.can_review(agent3)
    assert not kb_selectors.can_review(agent1) and not kb_selectors.can_review(agent2)
    tiers[0].lead = agent1
    tiers[0].save()
    assert kb_selectors.can_review(agent1)
    tiers[0].lead_reviews_articles = False
    tiers[0].save()
    assert not kb_selectors.can_review(agent1)


def test_an_admin_gives_or_takes_the_review_to_a_tier(agent2, agent3, tiers):
    review = Permission.objects.get(codename="review_article")
    tiers[1].permissions.add(review)
    assert kb_selectors.can_review(agent2)
    tiers[2].permissions.remove(review)
    assert not kb_selectors.can_review(agent3)


# --- keeping the configuration ----------------------------------------------------------------------------


def test_the_3rd_level_keeps_categories_and_sla_configuration_without_being_an_admin(login, agent3, tiers):
    assert not agent3.is_staff and not agent3.is_superuser
    client = login(agent3)
    index = client.get("/agent/configuration/")
    assert index.status_code == 200
    for model in ("tickets/category", "escalation/schedule", "escalation/slapolicy", "escalation/escalationrule"):
        assert f"/agent/configuration/{model}/" in index.text, model
    response = client.post("/agent/configuration/tickets/category/add/", {"name_en": "VPN", "name_de": "VPN",
                                                                          "is_active": "on"})
    assert response.status_code == 302, response.content
    assert Category.objects.filter(name_en="VPN").exists()
    assert client.get("/admin/").status_code == 302  # the full administration stays the admins'
    assert "configuration-link" in client.get("/agent/").text


def test_lower_levels_are_refused_and_see_no_link(login, agent1, agent2, client):
    for agent in (agent1, agent2):
        agent_client = login(agent)
        # Refused, not sent to the login page: signed in already, it would send them back (a loop).
        assert agent_client.get("/agent/configuration/", follow=True).status_code == 403
        assert agent_client.get("/agent/configuration/tickets/category/add/", follow=True).status_code == 403
        assert "configuration-link" not in agent_client.get("/agent/").text
    client.logout()
    assert client.get("/agent/configuration/", follow=True).redirect_chain[-1][0].startswith("/accounts/login/")


def test_a_tier_without_the_permission_loses_the_configuration(login, agent3, tiers):
    tiers[2].permissions.remove(*Permission.objects.filter(codename__endswith="category"))
    client = login(agent3)
    assert client.get("/agent/configuration/tickets/category/").status_code == 403
    assert client.get("/agent/configuration/escalation/schedule/").status_code == 200
    tiers[2].permissions.clear()
    assert client.get("/agent/configuration/", follow=True).status_code == 403


def test_a_new_top_level_tier_starts_with_the_3rd_levels_powers(tiers):
    tier = Tier.objects.create(level=4, name_en="Vendor")
    assert tier.permissions.filter(codename="review_article").exists()
    assert not tiers[0].permissions.exists()
