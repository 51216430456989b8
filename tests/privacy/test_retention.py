"""Retention: closed tickets past their period (the organisation's own or the global one) are
anonymised in batches, each once; the dry run counts them first; beat runs the task."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from privacy import selectors, services
from privacy.models import AnonymisedTicket, ErasureReason, ErasureRecord, RetentionPolicy
from tests.factories import make_ticket
from tickets.models import Organisation, Status, Ticket

pytestmark = pytest.mark.django_db


def _closed(customer, days_ago, organisation=None, status=Status.CLOSED):
    ticket = make_ticket(customer, subject=f"Alt {days_ago}", description="Persönlicher Text", notify=False)
    moment = timezone.now() - timedelta(days=days_ago)
    Ticket.objects.filter(pk=ticket.pk).update(status=status, solved_at=moment, updated_at=moment,
                                               organisation=organisation)
    return ticket


def test_the_dry_run_counts_what_the_batches_then_anonymise_once(settings, customer, tiers):
    settings.HELPDESK_RETENTION_DAYS = 100
    short = Organisation.objects.create(name="Kurz GmbH")
    RetentionPolicy.objects.create(organisation=short, days=10)
    due = [_closed(customer, 101), _closed(customer, 150), _closed(customer, 11, short)]
    kept = [_closed(customer, 99), _closed(customer, 9, short), _closed(customer, 300, status=Status.SOLVED)]

    dry = selectors.retention_dry_run()
    assert dry["total"] == 3
    assert {row["organisation__name"]: row["count"] for row in dry["by_organisation"]} == {None: 2, "Kurz GmbH": 1}

    assert services.retention_batch(size=2) == 2
    assert services.retention_batch(size=2) == 1
    assert services.retention_batch(size=2) == 0
    assert services.apply_retention() == 0  # idempotent
    assert set(AnonymisedTicket.objects.values_list("ticket_id", flat=True)) == {t.pk for t in due}
    for ticket in due:
        ticket.refresh_from_db()
        assert ticket.description == services.REPLACED and ticket.status == Status.CLOSED
        assert not ticket.events.exclude(body="").exclude(body=services.REPLACED).exists()
    for ticket in kept:
        ticket.refresh_from_db()
        assert ticket.description == "Persönlicher Text"
    assert list(ErasureRecord.objects.values_list("reason", "tickets")) in (
        [(ErasureReason.RETENTION, 1), (ErasureReason.RETENTION, 2)], [(ErasureReason.RETENTION, 2), (ErasureReason.RETENTION, 1)])
    assert selectors.retention_dry_run()["total"] == 0


def test_beat_runs_retention_and_the_period_comes_from_the_environment():
    entry = django_settings.CELERY_BEAT_SCHEDULE["privacy-retention"]
    assert entry["task"] == "privacy.tasks.apply_retention"
    assert django_settings.HELPDESK_RETENTION_DAYS == 730


def test_the_admin_shows_the_dry_run_count(client, admin_user, customer, tiers, settings):
    settings.HELPDESK_RETENTION_DAYS = 30
    _closed(customer, 31)
    client.force_login(admin_user)
    response = client.get("/admin/privacy/retentionpolicy/dry-run/")
    assert response.status_code == 200
    assert "1 closed ticket would be anonymised now." in response.text
    assert "Dry run" in client.get("/admin/privacy/retentionpolicy/").text


def test_the_command_counts_first_and_then_anonymises(settings, customer, tiers):
    from io import StringIO

    from django.core.management import call_command

    settings.HELPDESK_RETENTION_DAYS = 10
    _closed(customer, 11)
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "1 tickets would be anonymised." in out.getvalue() and not AnonymisedTicket.objects.exists()
    call_command("apply_retention", stdout=out)
    assert "1 tickets anonymised." in out.getvalue() and AnonymisedTicket.objects.count() == 1
