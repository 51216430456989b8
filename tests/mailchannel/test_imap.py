"""Fetching from a real IMAP server (Debian's dovecot, started by tests/mailservers.py): every mail once,
marked on the server only after it is ours, and a worker killed mid-fetch loses and doubles nothing."""

import os
import signal
import time

import pytest
from django.db import connection

from mailchannel import imap
from mailchannel.models import InboundMessage, InboundStatus, Mailbox, Security
from mailchannel.services import mailbox_check_connections
from tests.conftest import start_celery, stop_celery
from tests.mailservers import free_ports
from tickets.models import Ticket

from .conftest import raw_mail


def mailbox_on(imap_mailbox, **fields) -> Mailbox:
    return Mailbox.objects.create(**{
        "name": "support", "address": imap_mailbox.user, "imap_host": imap_mailbox.host, "imap_port": imap_mailbox.port,
        "imap_security": Security.NONE, "imap_user": imap_mailbox.user, "imap_password": imap_mailbox.password,
        **fields,
    })


@pytest.mark.django_db
def test_new_mail_becomes_tickets_and_is_marked_on_the_server_after_processing(imap_mailbox, tiers):
    for n in range(3):
        imap_mailbox.append(raw_mail(subject=f"Anfrage {n}", sender=f"kunde{n}@example.de"))
    mailbox = mailbox_on(imap_mailbox)

    result = imap.fetch_and_record(mailbox)

    assert result.fetched == 3
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["Anfrage 0", "Anfrage 1", "Anfrage 2"]
    assert all({"\\Seen", "$HelpdeskProcessed"} <= flags for _uid, flags in imap_mailbox.messages())
    assert imap.fetch_and_record(mailbox).fetched == 0  # nothing twice
    mailbox.refresh_from_db()
    assert mailbox.last_success_at and mailbox.last_error == ""
    assert InboundMessage.objects.filter(source="imap", arrived_at__isnull=False).count() == 3


@pytest.mark.django_db
def test_a_large_mail_is_fetched_in_pieces_and_stored_byte_for_byte(imap_mailbox, tiers, monkeypatch, settings):
    monkeypatch.setattr(imap, "PIECE_BYTES", 64 * 1024)
    monkeypatch.setattr(imap, "BATCH_BYTES", 128 * 1024)
    settings.HELPDESK_MAX_ATTACHMENT_BYTES = 100 * 1024
    body = "\n".join(f"Zeile {n}: Der Drucker im 2. Stock druckt nicht mehr." for n in range(8000))
    large = raw_mail(subject="Großer Bericht", sender="kunde@example.de", body=body)
    assert len(large) > 2 * imap.PIECE_BYTES
    imap_mailbox.append(large)
    imap_mailbox.append(raw_mail(subject="Kleine Frage", sender="kunde2@example.de"))
    mailbox = mailbox_on(imap_mailbox)

    assert imap.fetch_and_record(mailbox).fetched == 2

    stored = InboundMessage.objects.get(subject="Großer Bericht")
    with stored.raw.open("rb") as handle:
        assert handle.read() == imap_mailbox.fetch_raw(imap_mailbox.messages()[0][0])
    assert stored.arrived_at is not None and stored.ticket.description.startswith("Zeile 0:")
    assert all("$HelpdeskProcessed" in flags for _uid, flags in imap_mailbox.messages())


@pytest.mark.django_db
def test_a_mail_someone_read_in_the_shared_mailbox_is_still_fetched(imap_mailbox, tiers):
    imap_mailbox.append(raw_mail(), flags=["\\Seen"])

    assert imap.fetch_and_record(mailbox_on(imap_mailbox)).fetched == 1


@pytest.mark.django_db
def test_processed_mail_is_moved_to_the_folder_for_it(imap_mailbox, tiers):
    imap_mailbox.append(raw_mail())
    imap.fetch_and_record(mailbox_on(imap_mailbox, processed_folder="Helpdesk/Erledigt"))

    assert imap_mailbox.count() == 0
    assert imap_mailbox.count(folder="Helpdesk/Erledigt") == 1


@pytest.mark.django_db
def test_the_password_is_stored_encrypted(imap_mailbox, tiers):
    mailbox = mailbox_on(imap_mailbox)
    with connection.cursor() as cursor:
        cursor.execute("SELECT imap_password FROM mailchannel_mailbox WHERE id = %s", [mailbox.pk])
        stored = cursor.fetchone()[0]

    assert stored.startswith("fernet:") and imap_mailbox.password not in stored
    assert Mailbox.objects.get(pk=mailbox.pk).imap_password == imap_mailbox.password


@pytest.mark.django_db
def test_the_connection_check_says_what_failed_in_words(imap_mailbox, tiers, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mailbox = mailbox_on(imap_mailbox)
    assert mailbox_check_connections(mailbox=mailbox)[0][0] is True

    mailbox.imap_password = "wrong"
    worked, text = mailbox_check_connections(mailbox=mailbox)[0]
    assert not worked and "refused the user name or password" in text

    mailbox.imap_port = free_ports(1)[0]
    worked, text = mailbox_check_connections(mailbox=mailbox)[0]
    assert not worked and "connection refused" in text


@pytest.mark.django_db
def test_starttls_verifies_the_certificate_unless_told_not_to(imap_mailbox, tiers):
    imap_mailbox.append(raw_mail())
    mailbox = mailbox_on(imap_mailbox, imap_port=imap_mailbox.tls_port, imap_security=Security.STARTTLS)

    worked, text = mailbox_check_connections(mailbox=mailbox)[0]
    assert not worked and "certificate could not be verified" in text

    mailbox.verify_tls = False
    assert imap.fetch_and_record(mailbox).fetched == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_fetch_leaves_every_mail_processed_exactly_once(
        imap_mailbox, tiers, private_celery_queue, tmp_path):
    count = 60
    for n in range(count):
        imap_mailbox.append(raw_mail(subject=f"Fall {n}", sender=f"kunde{n}@example.de", message_id=f"fall-{n}@client"))
    mailbox = mailbox_on(imap_mailbox)
    from mailchannel.tasks import fetch_mailbox

    worker = start_celery("worker", queue=private_celery_queue, workdir=tmp_path, name="killed")
    fetch_mailbox.delay(mailbox.pk)
    deadline = time.time() + 60
    while InboundMessage.objects.filter(status=InboundStatus.PROCESSED).count() < 10:
        assert time.time() < deadline and worker.poll() is None, worker.log.read_text()[-3000:]
        time.sleep(0.01)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    done_before = InboundMessage.objects.count()
    assert done_before < count, "the worker finished before it could be killed"
    assert not any("$HelpdeskProcessed" in flags for _uid, flags in imap_mailbox.messages()[count - 5:])

    worker = start_celery("worker", queue=private_celery_queue, workdir=tmp_path, name="restarted")
    try:
        fetch_mailbox.delay(mailbox.pk)
        deadline = time.time() + 60
        while not all("$HelpdeskProcessed" in flags for _uid, flags in imap_mailbox.messages()):
            assert time.time() < deadline, worker.log.read_text()[-3000:]
            time.sleep(0.1)
    finally:
        stop_celery(worker)

    assert InboundMessage.objects.count() == count
    assert Ticket.objects.count() == count
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == sorted(f"Fall {n}" for n in range(count))
