"""The mail server's pipe, the admin and the API: thin doors into the same services."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from mailchannel.models import InboundMessage, InboundStatus, Mailbox
from mailchannel.services import receive_message
from tickets.models import Ticket

from .conftest import raw_mail

ROOT = Path(__file__).resolve().parents[2]


def pipe(*args, raw: bytes, env_extra=None):
    import os

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.settings.test",
           "DJANGO_DB_NAME": connection.settings_dict["NAME"], **(env_extra or {})}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run([sys.executable, "manage.py", "receive_mail", *args], input=raw, cwd=ROOT, env=env,
                          capture_output=True, timeout=60)


@pytest.mark.django_db(transaction=True)
def test_a_mail_piped_in_by_the_mail_server_becomes_a_ticket_once(mailbox):
    raw = raw_mail(message_id="piped@client.example")

    first = pipe("--mailbox", "support", raw=raw)
    second = pipe("--mailbox", "support@example.test", raw=raw)

    assert first.returncode == 0, first.stderr.decode()
    assert first.stdout.decode().startswith("processed new_ticket HD-")
    assert second.returncode == 0
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.get().source == "pipe"


@pytest.mark.django_db(transaction=True)
def test_the_pipe_answers_an_unknown_mailbox_with_a_bounce_and_a_dead_database_with_try_later(mailbox):
    assert pipe("--mailbox", "nobody", raw=raw_mail()).returncode == 67
    down = pipe("--mailbox", "support", raw=raw_mail(), env_extra={"DATABASE_URL": "postgres://app:app@127.0.0.1:1/x"})
    assert down.returncode == 75, down.stderr.decode()


@pytest.mark.django_db
def test_admins_read_the_inbound_log_through_the_api_and_nobody_else(mailbox, admin_user, agent1, customer, client):
    receive_message(mailbox=mailbox, raw=raw_mail())
    url = reverse("api-mail-inbound-list")

    client.force_login(agent1)
    assert client.get(url).status_code == 403
    client.force_login(customer)
    assert client.get(url).status_code == 403
    client.force_login(admin_user)
    response = client.get(url, {"status": "processed"})
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert (row["from_address"], row["reason"], row["mailbox"]) == ("karin.kunde@example.de", "new_ticket", "support")
    assert row["ticket"].startswith("HD-")
    assert client.get(reverse("api-mail-outbound-list")).json()["results"][0]["kind"] == "created"


@pytest.mark.django_db
def test_agents_open_the_original_mail_and_its_raw_bytes_customers_do_not(mailbox, agent1, client):
    raw = raw_mail(body="Hallo <b>Support</b>")
    inbound = receive_message(mailbox=mailbox, raw=raw)

    client.force_login(inbound.ticket.requester)
    assert client.get(reverse("mailchannel:inbound_original", args=[inbound.pk])).status_code == 403
    client.force_login(agent1)
    page = client.get(reverse("mailchannel:inbound_original", args=[inbound.pk]))
    assert page.status_code == 200
    assert "karin.kunde@example.de" in page.content.decode()
    assert "Hallo &lt;b&gt;Support&lt;/b&gt;" in page.content.decode()
    download = client.get(reverse("mailchannel:inbound_raw", args=[inbound.pk]))
    assert download["Content-Disposition"] == f'attachment; filename="mail-{inbound.pk}.eml"'
    assert b"".join(download.streaming_content if download.streaming else [download.content]) == raw
    ticket_page = client.get(reverse("agent:ticket", args=[inbound.ticket.reference])).content.decode()
    assert reverse("mailchannel:inbound_original", args=[inbound.pk]) in ticket_page


@pytest.mark.django_db
def test_the_admin_keeps_a_password_that_is_not_typed_again(admin_user, client, tiers):
    mailbox = Mailbox.objects.create(name="support", address="support@example.test", imap_host="imap.example.test",
                                     imap_user="support", imap_password="geheim")
    client.force_login(admin_user)
    url = reverse("admin:mailchannel_mailbox_change", args=[mailbox.pk])
    page = client.get(url).content.decode()
    assert "geheim" not in page

    form = {
        "name": "support", "address": "support@example.test", "display_name": "Support", "is_active": "on",
        "imap_host": "imap.example.test", "imap_port": "993", "imap_security": "tls", "imap_user": "support",
        "imap_password": "", "imap_folder": "INBOX", "smtp_port": "587", "smtp_security": "starttls",
        "language": "de", "allow_unknown_senders": "on", "reopen_days": "14", "max_new_tickets_per_hour": "20",
        "verify_tls": "on",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    mailbox.refresh_from_db()
    assert mailbox.imap_password == "geheim" and mailbox.display_name == "Support"


@pytest.mark.django_db
def test_the_admin_refuses_a_password_in_clear_over_the_network(tiers):
    from django.core.exceptions import ValidationError

    mailbox = Mailbox(name="x", address="x@example.test", imap_host="imap.example.test", imap_security="none",
                      imap_user="x", imap_password="y")
    with pytest.raises(ValidationError) as refused:
        mailbox.full_clean()
    assert "imap_security" in refused.value.message_dict


@pytest.mark.django_db
def test_the_admin_releases_held_mail(mailbox, admin_user, client):
    mailbox.max_new_tickets_per_hour = 1
    mailbox.save()
    receive_message(mailbox=mailbox, raw=raw_mail(subject="eins"))
    held = receive_message(mailbox=mailbox, raw=raw_mail(subject="zwei"))
    assert held.status == InboundStatus.HELD

    client.force_login(admin_user)
    response = client.post(reverse("admin:mailchannel_inboundmessage_changelist"),
                           {"action": "release", "_selected_action": [held.pk]}, follow=True)
    assert response.status_code == 200
    held.refresh_from_db()
    assert held.status == InboundStatus.PROCESSED and Ticket.objects.count() == 2
    assert client.get(reverse("admin:mailchannel_inboundmessage_change", args=[held.pk])).status_code == 200
    assert client.get(reverse("admin:mailchannel_outboundmessage_changelist")).status_code == 200
    assert client.get(reverse("admin:mailchannel_mailbox_changelist")).status_code == 200


@pytest.mark.django_db
def test_the_demo_has_a_support_address_that_takes_piped_mail(tiers):
    from django.core.management import call_command

    call_command("seed_demo_mailbox")
    call_command("seed_demo_mailbox")

    (mailbox,) = Mailbox.objects.all()
    assert (mailbox.address, mailbox.is_default, mailbox.fetches_by_imap) == ("support@example.com", True, False)
    assert receive_message(mailbox=mailbox, raw=raw_mail()).ticket is not None


@pytest.mark.django_db
def test_the_ticket_page_shows_who_is_in_copy(mailbox, agent1, client):
    ticket = receive_message(mailbox=mailbox, raw=raw_mail(cc="Lars Lange <lars@example.de>")).ticket
    client.force_login(agent1)

    page = client.get(reverse("agent:ticket", args=[ticket.reference])).content.decode()
    assert 'title="lars@example.de">Lars Lange</span>' in page
    assert "Lars Lange" in page.split('data-testid="timeline"')[1]  # the timeline says when they were copied in
