"""Every message of the corpus (tests/mailchannel/corpus/, written in the shapes real mail clients
produce) has the outcome its manifest names: ticket or reply, text, sender, attachments, collaborators,
or a refusal and why. None crashes, none is lost: each leaves its stored row."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from mailchannel.models import InboundMessage, InboundStatus, Mailbox, OutboundKind, OutboundMessage
from mailchannel.services import receive_message
from tests.factories import CustomerFactory, make_agent
from tickets import services as ticket_services
from tickets.models import EventKind, Status, Ticket

from .corpus.manifest import MESSAGES, WORLD

CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture
def world(tiers, settings):
    settings.HELPDESK_MAX_ATTACHMENT_BYTES = WORLD["max_attachment_bytes"]
    settings.HELPDESK_MAX_ATTACHMENTS = WORLD["max_attachments"]
    address, display_name = WORLD["mailbox"]
    mailbox = Mailbox.objects.create(name="support", address=address, display_name=display_name,
                                     reopen_days=WORLD["reopen_days"], language="de", is_default=True)
    agent_address, agent_name = WORLD["agent"]
    first, last = agent_name.split()
    agent = make_agent(tiers[0], username="fiona", email=agent_address, first_name=first, last_name=last)
    people = {}
    for email, name in WORLD["people"].items():
        first, last = name.split()
        people[email] = CustomerFactory(username=email, email=email, first_name=first, last_name=last,
                                        profile__language="de" if email.endswith(".de") else "en")
    tickets = {}
    for reference, spec in WORLD["tickets"].items():
        ticket = ticket_services.ticket_create(requester=people[spec["requester"]], subject=spec["subject"],
                                               description="…", notify=False)
        Ticket.objects.filter(pk=ticket.pk).update(reference=reference)
        ticket.refresh_from_db()
        if spec["status"] == "closed":
            ticket_services.ticket_change_status(ticket=ticket, actor=agent, status=Status.CLOSED)
            Ticket.objects.filter(pk=ticket.pk).update(
                updated_at=timezone.now() - timedelta(days=spec["closed_days_ago"]))
        OutboundMessage.objects.create(
            mailbox=mailbox, ticket=ticket, kind=OutboundKind.CREATED, message_id=spec["message_id"].strip("<>"),
            from_header=address, to=[spec["requester"]], subject=spec["subject"], body_text="…", language="de",
            status="sent",
        )
        tickets[reference] = ticket
    return {"mailbox": mailbox, "agent": agent, "tickets": tickets}


def event_text(inbound) -> str:
    return inbound.event.body if inbound.event else ""


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_corpus_message(name, world):
    expect = MESSAGES[name]
    mailbox = world["mailbox"]
    if expect.refuse_unknown:
        mailbox.allow_unknown_senders = False
        mailbox.save()
    existing = set(Ticket.objects.values_list("pk", flat=True))
    raw = (CORPUS / f"{name}.eml").read_bytes()

    inbound = receive_message(mailbox=mailbox, raw=raw, source="imap")

    assert InboundMessage.objects.filter(pk=inbound.pk).exists()
    assert inbound.status != InboundStatus.FAILED, inbound.detail
    outcome = {
        ("processed", "new_ticket"): "new_ticket", ("processed", "follow_up"): "new_ticket",
        ("processed", "reply"): "reply", ("processed", "reopened"): "reply",
        ("processed", "agent_reply"): "agent_reply", ("processed", "bounce"): "bounce",
    }.get((inbound.status, inbound.reason), inbound.status)
    assert outcome == expect.outcome, f"{name}: {inbound.status}/{inbound.reason} {inbound.detail} ({expect.note})"
    if expect.reason:
        assert inbound.reason == expect.reason, expect.note
    new_tickets = Ticket.objects.exclude(pk__in=existing)
    if expect.outcome in ("ignored", "refused", "held"):
        assert not new_tickets.exists()
        assert not OutboundMessage.objects.filter(kind__in=[OutboundKind.CREATED, OutboundKind.ANSWERED],
                                                  ticket__in=new_tickets).exists()
        if expect.outcome == "refused":
            assert OutboundMessage.objects.filter(kind=OutboundKind.REFUSED).count() == 1
        return
    if expect.outcome == "bounce":
        return
    ticket = inbound.ticket
    text = event_text(inbound)
    if expect.outcome == "new_ticket":
        assert ticket.pk not in existing
        assert ticket.requester.email == expect.sender
        if expect.subject:
            assert expect.subject.startswith(ticket.subject.rstrip("…")), (ticket.subject, expect.subject)
        assert ticket.subject and "\n" not in ticket.subject and "\r" not in ticket.subject
        assert inbound.event.kind == EventKind.CREATED
    else:
        assert ticket.pk in existing
        assert inbound.event.kind == EventKind.REPLY
        assert inbound.event.actor.email.lower() == expect.sender
    for phrase in expect.text_contains:
        assert phrase in text, f"{name}: {phrase!r} not in {text!r}"
    for phrase in expect.text_excludes:
        assert phrase not in text, f"{name}: {phrase!r} still in {text!r}"
    assert "\x00" not in text
    attached = list(inbound.event.attachments.values_list("name", "content_id"))
    names = [n for n, cid in attached]
    for filename in expect.attachments:
        assert filename in names, (filename, names)
    for filename in expect.inline_images:
        assert filename in names, (filename, names)
    if expect.attachments_left_out:
        note = ticket.events.filter(kind=EventKind.NOTE).latest("id")
        for filename in expect.attachments_left_out:
            assert filename in note.body and filename not in names
        assert OutboundMessage.objects.filter(kind=OutboundKind.ATTACHMENTS_LEFT_OUT, ticket=ticket).exists()
    collaborators = set(ticket.collaborators.values_list("email", flat=True))
    assert set(expect.cc) <= collaborators
    assert len(collaborators) <= ticket_services.MAX_COLLABORATORS


@pytest.mark.django_db
def test_every_corpus_file_has_an_expectation():
    assert sorted(p.stem for p in CORPUS.glob("*.eml")) == sorted(MESSAGES)
    assert len(MESSAGES) >= 40


@pytest.mark.django_db
def test_the_whole_corpus_fetched_from_a_real_imap_server_is_stored_once_and_none_fails(world, imap_mailbox):
    from mailchannel import imap
    from mailchannel.models import Security

    mailbox = world["mailbox"]
    Mailbox.objects.filter(pk=mailbox.pk).update(
        imap_host=imap_mailbox.host, imap_port=imap_mailbox.port, imap_security=Security.NONE,
        imap_user=imap_mailbox.user)
    mailbox.refresh_from_db()
    mailbox.imap_password = imap_mailbox.password
    mailbox.save()
    for path in sorted(CORPUS.glob("*.eml")):
        imap_mailbox.append(path.read_bytes())

    result = imap.fetch_and_record(mailbox)

    assert result.fetched == len(MESSAGES)
    assert InboundMessage.objects.count() == len(MESSAGES)
    assert not InboundMessage.objects.filter(status=InboundStatus.FAILED).exists()
    assert all("$HelpdeskProcessed" in flags for _uid, flags in imap_mailbox.messages())
    assert imap.fetch_and_record(mailbox).fetched == 0
