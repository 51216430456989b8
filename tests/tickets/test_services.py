"""tickets.services: what each write does, what it refuses, and that refusals leave nothing behind."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from tickets import services
from tickets.models import Attachment, Channel, EventKind, Priority, Status, Ticket, TicketEvent
from tests.factories import CategoryFactory, make_agent, make_ticket

pytestmark = pytest.mark.django_db


def kinds(ticket):
    return list(ticket.events.order_by("id").values_list("kind", flat=True))


# --- creating ---------------------------------------------------------------------------------------


def test_a_new_ticket_gets_a_readable_unique_reference_and_starts_at_the_first_tier(customer, tier1, category):
    first = make_ticket(customer, category=category)
    second = make_ticket(customer)

    assert re.fullmatch(r"HD-\d{4}-\d{6}", first.reference)
    assert first.reference != second.reference
    assert first.tier == tier1
    assert first.status == Status.NEW
    assert kinds(first) == [EventKind.CREATED]


def test_the_ticket_remembers_the_customers_organisation(customer, tiers):
    from tests.factories import OrganisationFactory

    customer.profile.organisation = OrganisationFactory(name="ACME")
    customer.profile.save()

    assert make_ticket(customer).organisation.name == "ACME"


@pytest.mark.parametrize(
    "subject, description, message",
    [
        ("", "text", "Subject must not be empty."),
        ("   ", "text", "Subject must not be empty."),
        ("x" * 201, "text", "Subject may be at most 200 characters long (it has 201)."),
        ("Subject", "", "Description must not be empty."),
    ],
)
def test_creating_refuses_bad_text_and_saves_nothing(customer, tiers, subject, description, message):
    with pytest.raises(ValidationError) as error:
        services.ticket_create(requester=customer, subject=subject, description=description)

    assert error.value.messages == [message]
    assert Ticket.objects.count() == 0


def test_creating_refuses_an_inactive_category(customer, tiers):
    retired = CategoryFactory(name="Fax", is_active=False)

    with pytest.raises(ValidationError, match="no longer in use"):
        make_ticket(customer, category=retired)


@override_settings(HELPDESK_MAX_ATTACHMENT_BYTES=10)
def test_an_oversize_attachment_is_refused_with_its_name_and_the_limit_and_nothing_is_saved(customer, tiers):
    big = SimpleUploadedFile("screenshot.png", b"x" * 11, content_type="image/png")

    with pytest.raises(ValidationError) as error:
        make_ticket(customer, attachments=[big])

    assert "screenshot.png" in error.value.messages[0]
    assert "10\xa0bytes" in error.value.messages[0]
    assert Ticket.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_attachments_are_stored_on_the_event_that_brought_them(customer, tiers, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = make_ticket(customer, attachments=[SimpleUploadedFile("log.txt", b"hello", content_type="text/plain")])

    attachment = Attachment.objects.get()
    assert attachment.ticket == ticket
    assert attachment.event.kind == EventKind.CREATED
    assert (attachment.name, attachment.size) == ("log.txt", 5)


def test_a_customer_cannot_file_for_someone_else(customer, other_customer, tiers):
    with pytest.raises(PermissionDenied):
        services.ticket_create(requester=other_customer, actor=customer, subject="s", description="d")


@pytest.mark.parametrize("priority", [Priority.LOW, Priority.NORMAL, Priority.URGENT])
def test_a_customer_cannot_set_the_priority_from_any_entry_point(customer, tiers, priority):
    with pytest.raises(PermissionDenied, match="priority"):
        services.ticket_create(requester=customer, subject="s", description="d", priority=priority)
    assert not Ticket.objects.exists()


def test_a_customers_ticket_starts_at_normal_priority(customer, tiers):
    assert make_ticket(customer).priority == Priority.NORMAL


@pytest.mark.parametrize("channel", [Channel.PHONE, Channel.WALK_IN, Channel.CHAT, Channel.SYSTEM])
def test_only_an_agent_records_a_call_a_visit_or_a_chat(customer, agent1, tiers, channel):
    with pytest.raises(PermissionDenied):
        services.ticket_create(requester=customer, subject="s", description="d", channel=channel)
    assert services.ticket_create(requester=customer, actor=agent1, subject="s", description="d",
                                  channel=channel).channel == channel


def test_an_agent_can_file_for_a_customer(customer, agent1):
    ticket = services.ticket_create(
        requester=customer, actor=agent1, subject="Phoned in", description="d", priority=Priority.HIGH
    )

    assert ticket.requester == customer
    assert ticket.events.get().actor == agent1


def test_creating_without_any_tier_explains_what_is_missing(customer):
    with pytest.raises(ValidationError, match="no support tier"):
        make_ticket(customer)


# --- replies and notes ------------------------------------------------------------------------------


def test_an_agent_reply_is_public_and_opens_a_new_ticket(ticket, agent1):
    services.ticket_reply(ticket=ticket, author=agent1, body="Have you tried turning it off?")

    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    reply = ticket.events.get(kind=EventKind.REPLY)
    assert reply.is_public and reply.data == {"author_role": "agent"}


def test_an_agent_can_reply_and_wait_for_the_customer_in_one_step(ticket, agent1):
    services.ticket_reply(ticket=ticket, author=agent1, body="Please send the log.", status=Status.WAITING)

    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING


def test_the_customers_reply_reopens_a_ticket_that_waited_for_them(ticket, agent1, customer):
    services.ticket_reply(ticket=ticket, author=agent1, body="Please send the log.", status=Status.WAITING)
    services.ticket_reply(ticket=ticket, author=customer, body="Here it is.")

    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert kinds(ticket)[-2:] == [EventKind.REPLY, EventKind.STATUS]


def test_a_customer_cannot_reply_to_someone_elses_ticket(ticket, other_customer):
    with pytest.raises(PermissionDenied):
        services.ticket_reply(ticket=ticket, author=other_customer, body="hi")


def test_a_customer_cannot_set_a_status_with_a_reply(ticket, customer):
    with pytest.raises(PermissionDenied):
        services.ticket_reply(ticket=ticket, author=customer, body="hi", status=Status.CLOSED)


def test_nobody_replies_to_a_closed_ticket(ticket, agent1, customer):
    services.ticket_change_status(ticket=ticket, actor=agent1, status=Status.CLOSED)

    with pytest.raises(ValidationError, match="closed"):
        services.ticket_reply(ticket=ticket, author=customer, body="Still broken")


def test_an_internal_note_is_never_public(ticket, agent1):
    event = services.ticket_add_note(ticket=ticket, author=agent1, body="Customer is on an old firmware")

    assert event.is_public is False


def test_customers_cannot_write_internal_notes(ticket, customer):
    with pytest.raises(PermissionDenied):
        services.ticket_add_note(ticket=ticket, author=customer, body="psst")


def test_the_database_refuses_a_public_note(ticket):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        TicketEvent.objects.create(ticket=ticket, kind=EventKind.NOTE, is_public=True, body="leak")


# --- status -----------------------------------------------------------------------------------------


def test_the_customer_may_mark_solved_and_reopen_nothing_else(ticket, customer):
    assert services.allowed_statuses(ticket, customer) == [Status.SOLVED]

    services.ticket_change_status(ticket=ticket, actor=customer, status=Status.SOLVED)
    ticket.refresh_from_db()
    assert ticket.solved_at is not None
    assert services.allowed_statuses(ticket, customer) == [Status.OPEN]

    services.ticket_change_status(ticket=ticket, actor=customer, status=Status.OPEN)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.solved_at is None


def test_a_customer_cannot_put_their_ticket_on_hold(ticket, customer):
    with pytest.raises(ValidationError, match="cannot be set to"):
        services.ticket_change_status(ticket=ticket, actor=customer, status=Status.ON_HOLD)


def test_someone_else_cannot_reopen_a_customers_ticket(ticket, customer, other_customer):
    services.ticket_change_status(ticket=ticket, actor=customer, status=Status.SOLVED)

    with pytest.raises(PermissionDenied):
        services.ticket_change_status(ticket=ticket, actor=other_customer, status=Status.OPEN)
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED


def test_a_closed_ticket_stays_closed(ticket, agent1):
    services.ticket_change_status(ticket=ticket, actor=agent1, status=Status.CLOSED)

    with pytest.raises(ValidationError):
        services.ticket_change_status(ticket=ticket, actor=agent1, status=Status.OPEN)


def test_an_unknown_status_is_refused(ticket, agent1):
    with pytest.raises(ValidationError, match="Unknown status"):
        services.ticket_change_status(ticket=ticket, actor=agent1, status="exploded")


# --- priority, category, assignment -----------------------------------------------------------------


def test_priority_changes_are_internal_events_with_old_and_new(ticket, agent1):
    services.ticket_change_priority(ticket=ticket, actor=agent1, priority=Priority.URGENT)

    event = ticket.events.get(kind=EventKind.PRIORITY)
    assert (event.is_public, event.data) == (False, {"from": Priority.NORMAL, "to": Priority.URGENT})


def test_customers_cannot_change_the_priority(ticket, customer):
    with pytest.raises(PermissionDenied):
        services.ticket_change_priority(ticket=ticket, actor=customer, priority=Priority.URGENT)


def test_category_change_is_recorded(ticket, agent1, category):
    other = CategoryFactory(name="Billing")
    services.ticket_change_category(ticket=ticket, actor=agent1, category=other)

    assert ticket.events.get(kind=EventKind.CATEGORY).data == {
        "from": "Network", "to": "Billing", "from_id": category.pk, "to_id": other.pk}


def test_only_members_of_the_tickets_tier_can_be_assigned(ticket, agent1, agent2):
    with pytest.raises(ValidationError, match="is not a member of 1st Level"):
        services.ticket_assign(ticket=ticket, actor=agent1, assignee=agent2)

    services.ticket_take(ticket=ticket, agent=agent1)
    ticket.refresh_from_db()
    assert ticket.assignee == agent1


def test_unassigning_puts_the_ticket_back_in_the_tier_queue(ticket, agent1):
    services.ticket_take(ticket=ticket, agent=agent1)
    services.ticket_assign(ticket=ticket, actor=agent1, assignee=None)

    ticket.refresh_from_db()
    assert ticket.assignee is None


# --- tiers ------------------------------------------------------------------------------------------


def test_escalation_moves_to_the_next_tier_with_the_reason_and_frees_the_ticket(ticket, agent1, tier2):
    services.ticket_take(ticket=ticket, agent=agent1)

    services.ticket_escalate(ticket=ticket, actor=agent1, reason="Needs a firmware expert")

    ticket.refresh_from_db()
    assert ticket.tier == tier2
    assert ticket.assignee is None
    event = ticket.events.get(kind=EventKind.TIER)
    assert event.body == "Needs a firmware expert"
    assert event.is_public is False
    assert event.data["from"]["level"] == 1 and event.data["to"]["level"] == 2
    assert event.data["direction"] == "up"


def test_an_agent_in_both_tiers_keeps_the_ticket_when_escalating(ticket, agent1, tier2):
    from tickets.models import TierMembership

    TierMembership.objects.create(agent=agent1, tier=tier2)
    services.ticket_take(ticket=ticket, agent=agent1)
    services.ticket_escalate(ticket=ticket, actor=agent1, reason="I take it along")

    ticket.refresh_from_db()
    assert ticket.assignee == agent1


@pytest.mark.parametrize("reason", ["", "   "])
def test_escalation_needs_a_reason(ticket, agent1, reason):
    with pytest.raises(ValidationError, match="Reason must not be empty"):
        services.ticket_escalate(ticket=ticket, actor=agent1, reason=reason)
    ticket.refresh_from_db()
    assert ticket.tier.level == 1
    assert not ticket.events.filter(kind=EventKind.TIER).exists()


def test_the_top_tier_cannot_escalate_further(ticket, agent1, tier3):
    services.ticket_escalate(ticket=ticket, actor=agent1, reason="straight up", to_tier=tier3)

    with pytest.raises(ValidationError, match="highest tier"):
        services.ticket_escalate(ticket=ticket, actor=agent1, reason="more")


def test_sending_back_goes_one_tier_down_with_a_reason(ticket, agent1, agent3, tier1, tier3):
    services.ticket_escalate(ticket=ticket, actor=agent1, reason="up", to_tier=tier3)
    services.ticket_send_back(ticket=ticket, actor=agent3, reason="Known issue, see KB")

    ticket.refresh_from_db()
    assert ticket.tier.level == 2
    assert ticket.events.filter(kind=EventKind.TIER).last().data["direction"] == "down"
    with pytest.raises(ValidationError, match="lower tier"):
        services.ticket_send_back(ticket=ticket, actor=agent3, reason="x", to_tier=tier3)


def test_the_lowest_tier_cannot_send_back(ticket, agent1):
    with pytest.raises(ValidationError, match="lowest tier"):
        services.ticket_send_back(ticket=ticket, actor=agent1, reason="down")


def test_customers_cannot_escalate(ticket, customer):
    with pytest.raises(PermissionDenied):
        services.ticket_escalate(ticket=ticket, actor=customer, reason="hurry up")


def test_solved_tickets_do_not_move_between_tiers(ticket, agent1):
    services.ticket_change_status(ticket=ticket, actor=agent1, status=Status.SOLVED)

    with pytest.raises(ValidationError, match="Only open tickets"):
        services.ticket_escalate(ticket=ticket, actor=agent1, reason="why")


# --- the hook for other apps ------------------------------------------------------------------------


def test_every_event_is_announced_inside_the_transaction(customer, tiers, agent1):
    from tickets.signals import ticket_changed

    seen = []

    def receiver(sender, ticket, event, **kwargs):
        seen.append((ticket.reference, event.kind))

    ticket_changed.connect(receiver)
    try:
        ticket = make_ticket(customer)
        services.ticket_escalate(ticket=ticket, actor=agent1, reason="r")
    finally:
        ticket_changed.disconnect(receiver)

    assert seen == [(ticket.reference, EventKind.CREATED), (ticket.reference, EventKind.TIER)]


def test_a_second_agent_is_not_silently_overwritten(ticket, agent1, tier1, tier2):
    """Both agents pick the same next tier from a stale copy; the second is told it already moved."""
    stale_copy = Ticket.objects.get(pk=ticket.pk)
    services.ticket_escalate(ticket=ticket, actor=agent1, reason="first")
    other = make_agent(tier1, username="agent.other")
    make_agent(tier2, username="agent.other")  # works at both levels: may act where the ticket is now

    with pytest.raises(ValidationError, match="already at 2nd Level"):
        services.ticket_escalate(ticket=stale_copy, actor=other, reason="second")
