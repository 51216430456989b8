"""What a page offers a user is what the services let them do: `ticket_actions` is asked by the
ticket pages, and for every action it denies the service refuses, and for every one it grants the
service carries it out."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from tests.factories import make_ticket
from tickets import services
from tickets.models import Category, Priority, Status, Tier

pytestmark = pytest.mark.django_db(transaction=False)


def attempt(ticket, do) -> bool:
    """Whether the service did it (rolled back afterwards, so that each attempt starts alike)."""
    ticket.refresh_from_db()
    try:
        with transaction.atomic():
            do()
            transaction.set_rollback(True)
    except (PermissionDenied, ValidationError):
        return False
    return True


def service_allows(ticket, user) -> dict:
    ticket.refresh_from_db()
    return {
        "reply": attempt(ticket, lambda: services.ticket_reply(ticket=ticket, author=user, body="Danke.")),
        "note": attempt(ticket, lambda: services.ticket_add_note(ticket=ticket, author=user, body="Notiz")),
        "call": attempt(ticket, lambda: services.ticket_log_call(ticket=ticket, actor=user, direction="incoming",
                                                         summary="Anruf")),
        "take": attempt(ticket, lambda: services.ticket_take(ticket=ticket, agent=user)),
        "escalate_to": attempt(ticket, lambda: services.ticket_escalate(ticket=ticket, actor=user, reason="Hilfe")),
        "send_back_to": attempt(ticket, lambda: services.ticket_send_back(ticket=ticket, actor=user, reason="Zurück")),
        "priority": attempt(ticket, lambda: services.ticket_change_priority(ticket=ticket, actor=user,
                                                                            priority=Priority.HIGH)),
        "category": attempt(ticket, lambda: services.ticket_change_category(
            ticket=ticket, actor=user, category=Category.objects.exclude(pk=ticket.category_id).first())),
        "assign": attempt(ticket, lambda: services.ticket_assign(
            ticket=ticket, actor=user, assignee=ticket.tier.members.exclude(pk=ticket.assignee_id).first())),
        "statuses": {status for status in Status.values if attempt(
            ticket, lambda: services.ticket_change_status(ticket=ticket, actor=user, status=status))},
    }


def offered(ticket, user) -> dict:
    ticket.refresh_from_db()
    actions = services.ticket_actions(ticket, user)
    return {**{name: bool(getattr(actions, name)) for name in
               ("reply", "note", "call", "take", "escalate_to", "send_back_to", "priority", "category", "assign")},
            "statuses": set(actions.statuses)}


@pytest.mark.parametrize("state", ["new", "at_2nd_level", "at_3rd_level", "assigned_to_me", "solved", "closed"])
@pytest.mark.parametrize("who", ["agent1", "agent2", "agent3", "customer", "other_customer"])
def test_the_pages_offer_exactly_what_the_services_allow(state, who, request, customer, agent1, agent2, agent3,
                                                          tiers, category):
    Category.objects.create(name="Netzwerk")
    ticket = make_ticket(customer)
    if state == "at_2nd_level":
        services.ticket_escalate(ticket=ticket, actor=agent1, reason="Netzwerk")
    if state == "at_3rd_level":
        services.ticket_escalate(ticket=ticket, actor=agent1, reason="Netzwerk", to_tier=tiers[2])
    if state == "assigned_to_me":
        services.ticket_take(ticket=ticket, agent=agent1)
    if state in ("solved", "closed"):
        services.ticket_change_status(ticket=ticket, actor=agent1, status=Status.SOLVED, reason="gelöst")
    if state == "closed":
        services.ticket_change_status(ticket=ticket, actor=agent1, status=Status.CLOSED, reason="fertig")
    user = request.getfixturevalue(who)
    if who == "other_customer":
        assert not services.ticket_actions(ticket, user).reply
    assert offered(ticket, user) == service_allows(ticket, user)


def test_the_tiers_offered_are_the_ones_the_move_goes_to(customer, agent1, tiers):
    ticket = make_ticket(customer)
    actions = services.ticket_actions(ticket, agent1)
    assert (actions.escalate_to.level, actions.send_back_to) == (2, None)
    services.ticket_escalate(ticket=ticket, actor=agent1, reason="Netzwerk")
    ticket.refresh_from_db()
    assert ticket.tier == Tier.objects.get(level=actions.escalate_to.level)
