"""Erasure leaves nothing that names the person: not in any table (searched in a pg_dump of the test
database) and not in any file under MEDIA_ROOT; their tickets, clocks and statistics stay."""

import io
import json
import os
import subprocess
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from escalation.models import TicketClock
from escalation.reminders import reminder_set
from mailchannel import services as mail_services
from mailchannel.models import InboundMessage, Mailbox, OutboundMessage
from privacy import services
from privacy.models import ErasureReason, ErasureRecord, ErasureRequest, PendingSweep, RequestStatus
from tests.factories import CustomerFactory, UserFactory, make_agent, make_ticket
from tests.mailchannel.conftest import raw_mail
from tickets import services as ticket_services
from tickets.models import Attachment, Collaborator, Organisation, Profile, Ticket, TicketEvent

NAME = ("Zerbinetta", "Quastenflosser")
EMAIL = "zerbinetta.q@example.de"
PHONE = "+49 171 9988776"
SENTENCES = ["Mein Aquarium-Drucker spuckt seit Dienstag Tinte.", "Der Kraken hat die Patrone gefressen.",
             "Mein Tintenfisch schreibt jetzt E-Mails.", "Geheimes Anhangswort Oktopoden."]


def _person(organisation=None):
    person = CustomerFactory(username=EMAIL, first_name=NAME[0], last_name=NAME[1])
    Profile.objects.filter(user=person).update(phone=PHONE, notes=f"{NAME[0]} {NAME[1]} ruft gern mittags an.",
                                               organisation=organisation)
    return person


def _history(person, agent, other):
    """Everything a person leaves behind: a portal ticket with a file, replies both ways, a note, a
    call, a reminder, a mail with its raw file and the outbox, a mention on someone else's ticket."""
    ticket = make_ticket(person, subject=f"Drucker von {NAME[1]}", description=SENTENCES[0],
                         attachments=[SimpleUploadedFile("kraken.txt", SENTENCES[3].encode(), content_type="text/plain")])
    ticket_services.ticket_reply(ticket=ticket, author=agent, body=f"Hallo Frau {NAME[1]}, wir sehen nach.")
    ticket_services.ticket_reply(ticket=ticket, author=person, body=SENTENCES[1])
    ticket_services.ticket_add_note(ticket=ticket, author=agent, body=f"{NAME[0]} klingt verärgert.")
    ticket_services.ticket_log_call(ticket=ticket, actor=agent, direction="outgoing", number=PHONE,
                                    summary=f"Mit {NAME[0]} {NAME[1]} gesprochen.")
    reminder_set(ticket=ticket, actor=agent, due_at=timezone.now() + timedelta(days=1),
                 note=f"{NAME[1]} zurückrufen")
    mailbox = Mailbox.objects.create(name="support", address="support@example.test", is_default=True)
    mail_services.receive_message(mailbox=mailbox, raw=raw_mail(
        sender=f"{NAME[0]} {NAME[1]} <{EMAIL}>", subject=f"Tintenfisch von {NAME[1]}", body=SENTENCES[2]))
    theirs = make_ticket(other, subject="Anderer Fall", description="Nichts Persönliches.")
    ticket_services.ticket_add_note(ticket=theirs, author=agent,
                                    body=f"Wie bei {NAME[0]} {NAME[1]} ({EMAIL}, {PHONE}).")
    # Copied in on someone else's ticket: the timeline's entry names her (in its JSON facts).
    ticket_services.ticket_add_collaborators(ticket=theirs, actor=agent, people=[(EMAIL, f"{NAME[0]} {NAME[1]}")])
    return ticket, theirs


def _dump() -> str:
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    return subprocess.run(
        ["pg_dump", "--data-only", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"],
         db["NAME"]], env=env, capture_output=True, text=True, check=True).stdout


def _media(root) -> bytes:
    return b"\n".join(p.read_bytes() for p in Path(root).rglob("*") if p.is_file())


def _traces():
    return [*NAME, EMAIL, PHONE, *SENTENCES]


@pytest.mark.django_db(transaction=True)
def test_after_erasure_nothing_in_the_database_or_the_files_names_the_person(settings, tmp_path, tiers):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    agent = make_agent(tiers[0], username="agent.first", first_name="Fiona", last_name="First")
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    person, other = _person(Organisation.objects.create(name="Aquaristik GmbH")), CustomerFactory(username="bob@example.com")
    ticket, theirs = _history(person, agent, other)
    ErasureRequest.objects.create(person=person)

    dump, media = _dump(), _media(settings.MEDIA_ROOT)
    for trace in _traces()[:-1]:  # the test sees what it looks for before the erasure
        assert trace in dump, trace
    assert SENTENCES[2].encode() in media and SENTENCES[3].encode() in media  # the raw mail, the attachment
    clocks = TicketClock.objects.filter(ticket=ticket).count()
    events = TicketEvent.objects.filter(ticket=ticket).count()

    record = services.erase_person(person=person, actor=admin)
    assert PendingSweep.objects.filter(record=record).exists()
    assert services.sweep_mentions(record_id=record.pk) >= 1  # the worker's part: mentions on other tickets
    assert not PendingSweep.objects.exists() and services.sweep_mentions(record_id=record.pk) is None

    dump, media = _dump(), _media(settings.MEDIA_ROOT)
    found = [t for t in _traces() if t.lower() in dump.lower() or t.lower().encode() in media.lower()]
    assert found == []
    # The tickets stay, with their history and SLA clocks; the person's account stays, anonymised.
    ticket.refresh_from_db()
    assert ticket.reference and ticket.requester_id == person.pk and ticket.subject == services.REPLACED
    assert TicketEvent.objects.filter(ticket=ticket).count() == events
    assert TicketClock.objects.filter(ticket=ticket).count() == clocks
    assert Ticket.objects.get(pk=theirs.pk).description == "Nichts Persönliches."
    person.refresh_from_db()
    assert not person.is_active and not person.has_usable_password() and person.username == f"erased-{person.pk}"
    assert Attachment.objects.filter(ticket=ticket).count() == 0
    assert InboundMessage.objects.get().raw.read() == services.ANONYMISED_MAIL
    assert not Collaborator.objects.filter(ticket=theirs).exists()
    assert OutboundMessage.objects.filter(ticket=ticket).exists()
    # Recorded: who, when, whom; the request is done.
    assert (record.actor, record.person_id_kept, record.reason) == (admin, person.pk, ErasureReason.ADMIN)
    assert record.tickets == 2 and record.attachments == 1 and record.mails >= 1
    assert ErasureRequest.objects.get().status == RequestStatus.DONE
    assert ErasureRequest.objects.get().record == record


@pytest.mark.django_db
def test_only_an_admin_erases_and_never_themself_nor_twice(tiers, customer, agent1, admin_user):
    with pytest.raises(PermissionDenied):
        services.erase_person(person=customer, actor=agent1)
    with pytest.raises(ValidationError):
        services.erase_person(person=admin_user, actor=admin_user)
    record = services.erase_person(person=customer, actor=admin_user)
    # A sweep whose task was lost is finished by the hourly beat task.
    assert services.sweep_leftovers(older_than=timedelta(0)) == 1 and not PendingSweep.objects.filter(record=record).exists()
    with pytest.raises(ValidationError, match="already been erased"):
        services.erase_person(person=customer, actor=admin_user)
    assert ErasureRecord.objects.count() == 1


@pytest.mark.django_db
def test_the_export_holds_profile_tickets_public_conversation_and_attachments(settings, tmp_path, tiers, agent1,
                                                                              admin_user):
    settings.MEDIA_ROOT = str(tmp_path)
    person = _person()
    ticket = make_ticket(person, subject="Export", description=SENTENCES[0],
                         attachments=[SimpleUploadedFile("kraken.txt", b"file bytes", content_type="text/plain")])
    ticket_services.ticket_reply(ticket=ticket, author=agent1, body="Public answer")
    ticket_services.ticket_add_note(ticket=ticket, author=agent1, body="Internal only")

    for actor in (person, admin_user):
        with services.export_person(person=person, actor=actor) as handle:
            archive = zipfile.ZipFile(io.BytesIO(handle.read()))
        data = json.loads(archive.read("data.json"))
        assert data["account"]["email"] == EMAIL and data["profile"]["phone"] == PHONE
        [exported] = data["tickets"]
        assert exported["reference"] == ticket.reference and exported["description"] == SENTENCES[0]
        texts = [entry["text"] for entry in exported["conversation"]]
        assert "Public answer" in texts and "Internal only" not in texts
        [attachment] = data["attachments"]
        assert archive.read(attachment["file"]) == b"file bytes"
    with pytest.raises(PermissionDenied):
        services.export_person(person=person, actor=CustomerFactory())


@pytest.mark.django_db
def test_a_customers_request_is_recorded_once_and_the_admins_are_told_once(tiers, customer, admin_user, mailoutbox,
                                                                           django_capture_on_commit_callbacks):
    admin_user.email = "root@example.com"
    admin_user.save()
    with django_capture_on_commit_callbacks():
        request = services.request_erasure(person=customer)
    with pytest.raises(ValidationError):
        services.request_erasure(person=customer)
    assert services.notify_admins_of_request(request_id=request.pk) is True
    assert services.notify_admins_of_request(request_id=request.pk) is False
    assert [m.to for m in mailoutbox] == [["root@example.com"]]
    assert f"/admin/privacy/erasurerequest/{request.pk}/" in mailoutbox[0].body
    record = services.carry_out_request(request=request, actor=admin_user)
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE and record.reason == ErasureReason.REQUEST
