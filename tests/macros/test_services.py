"""Text modules: who keeps which, the text a ticket gets (its language, its placeholders), and sending
one: the reply and its changes through the ticket services, all or nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from macros import selectors, services
from macros.models import Scope
from tests.factories import CategoryFactory, CustomerFactory, make_agent, make_ticket
from tickets.models import EventKind, Priority, Status

pytestmark = pytest.mark.django_db


def test_an_agent_keeps_personal_modules_others_do_not_see(agent1, tier1, make_macro):
    mine = make_macro(agent1)
    colleague = make_agent(tier1, username="colleague")
    assert mine.scope == Scope.PERSONAL and mine.owner == agent1
    assert selectors.macro_list(user=agent1) == [mine]
    assert selectors.macro_list(user=colleague) == []
    with pytest.raises(PermissionDenied):
        services.macro_update(macro=mine, actor=colleague, title_en="Mine now")


def test_a_tier_module_is_kept_by_the_tiers_lead_and_used_by_its_members(agent1, agent2, tier1, make_macro):
    tier1.lead = agent1
    tier1.save()
    shared = make_macro(agent1, scope=Scope.TIER, tier=tier1)
    member = make_agent(tier1, username="member")
    assert selectors.macro_list(user=member) == [shared]
    assert selectors.macro_list(user=agent2) == []  # another tier
    with pytest.raises(PermissionDenied):
        services.macro_update(macro=shared, actor=member, title_en="Changed")
    with pytest.raises(PermissionDenied, match="lead"):
        make_macro(member, scope=Scope.TIER, tier=tier1)


def test_only_admins_keep_modules_for_everyone(agent1, agent2, admin_user, make_macro):
    with pytest.raises(PermissionDenied, match="admins"):
        make_macro(agent1, scope=Scope.GLOBAL)
    everyone = make_macro(admin_user, scope=Scope.GLOBAL)
    assert selectors.macro_list(user=agent1) == [everyone] == selectors.macro_list(user=agent2)


def test_customers_have_no_modules(customer, agent1, make_macro):
    make_macro(agent1)
    assert selectors.macro_list(user=customer) == []
    with pytest.raises(PermissionDenied):
        make_macro(customer)


@pytest.mark.parametrize("fields, field", [
    ({"title_en": "  "}, "title_de"),
    ({"body_en": "Dear {customer}"}, "body_en"),
    ({"escalate": True}, "escalate_reason"),
    ({"escalate": True, "escalate_reason": "Needs 2nd level", "take": True}, "take"),
    ({"scope": Scope.TIER}, "tier"),
    ({"set_status": Status.NEW}, "set_status"),
])
def test_what_cannot_be_a_module_is_refused_with_words(agent1, admin_user, make_macro, fields, field):
    with pytest.raises(ValidationError) as refused:
        make_macro(admin_user if fields.get("scope") else agent1, **fields)
    assert field in refused.value.message_dict


def test_an_unknown_placeholder_names_the_known_ones(agent1, make_macro):
    with pytest.raises(ValidationError) as refused:
        make_macro(agent1, body="Hallo {kunde}")
    assert "{kunde}" in str(refused.value) and "{customer_name}" in str(refused.value)


def test_the_text_is_in_the_customers_language_with_placeholders_filled(agent1, tiers, make_macro):
    kunde = CustomerFactory(username="karin@example.de", first_name="Karin", last_name="Kunde", profile__language="de")
    ticket = make_ticket(kunde, subject="Drucker")
    macro = make_macro(agent1, body="Hello {customer_first_name}", body_de="Hallo {customer_first_name}, "
                       "Ihr Ticket {reference} ({subject}). Viele Grüße, {agent_name}")
    assert selectors.macro_text_for_ticket(macro, ticket=ticket, agent=agent1) == (
        f"Hallo Karin, Ihr Ticket {ticket.reference} (Drucker). Viele Grüße, Fiona First")


def test_a_module_written_in_one_language_serves_both(agent1, tiers, make_macro):
    kunde = CustomerFactory(username="karin@example.de", first_name="Karin", profile__language="de")
    macro = make_macro(agent1, body="Hello {customer_first_name}")
    assert selectors.macro_text_for_ticket(macro, ticket=make_ticket(kunde), agent=agent1) == "Hello Karin"


def test_sending_a_module_replies_and_makes_its_changes(ticket, agent1, tier1, make_macro):
    network = CategoryFactory(name="Printers")
    macro = make_macro(agent1, set_status=Status.WAITING, set_priority=Priority.HIGH, set_category=network, take=True)
    ticket = services.macro_apply(macro=macro, ticket=ticket, agent=agent1)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.category, ticket.assignee) == (
        Status.WAITING, Priority.HIGH, network, agent1)
    reply = ticket.events.get(kind=EventKind.REPLY)
    assert reply.body == "Hello Alice, please restart the printer."
    assert reply.data["macro"]["id"] == macro.pk


def test_a_module_that_escalates_moves_the_ticket_with_its_reason(ticket, agent1, tier2, make_macro):
    macro = make_macro(agent1, body="", escalate=True, escalate_reason="Printer driver: 2nd level")
    services.macro_apply(macro=macro, ticket=ticket, agent=agent1)
    ticket.refresh_from_db()
    assert ticket.tier == tier2
    assert ticket.events.get(kind=EventKind.TIER).body == "Printer driver: 2nd level"
    assert not ticket.events.filter(kind=EventKind.REPLY).exists()  # no text, no reply


def test_a_closed_ticket_gets_no_module(ticket, agent1, make_macro):
    from tickets import services as tickets

    tickets.ticket_change_status(ticket=ticket, actor=agent1, status=Status.CLOSED)
    macro = make_macro(agent1, set_priority=Priority.HIGH)
    with pytest.raises(ValidationError, match="closed"):
        services.macro_apply(macro=macro, ticket=ticket, agent=agent1, body="Restarted?")
    assert not ticket.events.filter(kind=EventKind.REPLY).exists()


def test_half_a_module_is_never_sent(ticket, agent1, make_macro):
    """Its category was retired after the module was written: the reply and the priority change
    before the category change are undone with it."""
    printers = CategoryFactory(name="Printers")
    macro = make_macro(agent1, set_priority=Priority.HIGH, set_category=printers)
    printers.is_active = False
    printers.save()
    with pytest.raises(ValidationError, match="no longer in use"):
        services.macro_apply(macro=macro, ticket=ticket, agent=agent1)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL
    assert not ticket.events.filter(kind__in=[EventKind.REPLY, EventKind.PRIORITY]).exists()


def test_nobody_sends_a_module_they_may_not_use(ticket, agent1, agent2, make_macro):
    private = make_macro(agent2)
    with pytest.raises(PermissionDenied):
        services.macro_apply(macro=private, ticket=ticket, agent=agent1)
