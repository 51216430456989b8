"""The audit log of configuration changes (django-auditlog): actor, moment, old and new value; a
mailbox password never in clear."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from escalation.models import Schedule, SlaPolicy, SlaTarget
from mailchannel.models import Mailbox
from tickets.models import Priority, Tier

pytestmark = pytest.mark.django_db


def _entries(model):
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model)).order_by("id")


def test_changing_a_tier_and_an_sla_target_in_the_admin_is_logged_with_actor_and_values(client, admin_user, tiers):
    client.force_login(admin_user)
    tier = tiers[0]
    response = client.post(f"/admin/tickets/tier/{tier.pk}/change/", {
        "level": 1, "name_en": "First line", "name_de": "Erste Ebene", "lead": "",
        "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0,
        "powers-TOTAL_FORMS": 0, "powers-INITIAL_FORMS": 0})
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = _entries(Tier).last()
    assert entry.actor == admin_user and entry.action == LogEntry.Action.UPDATE
    assert entry.changes_dict["name_en"] == ["1st Level", "First line"]

    schedule = Schedule.objects.create(name="Office")
    policy = SlaPolicy.objects.create(name="Default", is_default=True, schedule=schedule)
    target = SlaTarget.objects.create(policy=policy, metric="first_response", priority=Priority.NORMAL,
                                      duration=timedelta(hours=4))
    from auditlog.context import set_actor

    with set_actor(admin_user):
        target.duration = timedelta(hours=2)
        target.save()
    entry = _entries(SlaTarget).last()
    assert entry.actor == admin_user
    assert entry.changes_dict["duration"] == ["4:00:00", "2:00:00"]
    assert client.get(f"/admin/auditlog/logentry/{entry.pk}/change/").status_code == 200


def test_a_mailbox_password_is_logged_as_changed_never_in_clear(admin_user):
    mailbox = Mailbox.objects.create(name="support", address="support@example.test", imap_password="hunter2-secret")
    mailbox.imap_password = "n3w-very-secret"
    mailbox.save()
    mailbox.last_error = "connection refused"
    mailbox.save()
    entries = list(_entries(Mailbox))
    assert len(entries) == 2  # created, password changed; the fetch status is not configuration
    text = " ".join(str(e.changes) + e.changes_text + str(e.serialized_data) for e in entries)
    assert "hunter2" not in text and "n3w-very" not in text
    assert entries[-1].changes_dict["imap_password"] == ["********", "********"]
