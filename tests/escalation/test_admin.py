"""Admins configure schedules, policies and rules; bad configurations are refused with a reason."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from escalation.models import BusinessInterval, Holiday, Metric, Schedule, SlaPolicy
from tickets.models import Priority

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def schedule_form(name="Support", intervals=(), holidays=()):
    data = {"name": name, "time_zone": "Europe/Berlin", "holiday_region": "DE-BY",
            "intervals-TOTAL_FORMS": len(intervals), "intervals-INITIAL_FORMS": 0,
            "holidays-TOTAL_FORMS": len(holidays), "holidays-INITIAL_FORMS": 0}
    for i, (weekday, start, end) in enumerate(intervals):
        data.update({f"intervals-{i}-weekday": weekday, f"intervals-{i}-start": start, f"intervals-{i}-end": end})
    for i, day in enumerate(holidays):
        data.update({f"holidays-{i}-date": day, f"holidays-{i}-name": "Holiday"})
    return data


def test_a_schedule_with_two_intervals_a_day_is_saved(admin_client):
    response = admin_client.post("/admin/escalation/schedule/add/", schedule_form(
        intervals=[(0, "08:00", "12:00"), (0, "13:00", "17:00"), (5, "22:00", "00:00")]))
    assert response.status_code == 302
    assert BusinessInterval.objects.count() == 3


def test_overlapping_intervals_are_refused_with_the_day_and_times(admin_client):
    response = admin_client.post("/admin/escalation/schedule/add/", schedule_form(
        intervals=[(0, "08:00", "12:00"), (0, "11:00", "17:00")]))
    assert response.status_code == 200
    assert "On Monday, 08:00–12:00 and 11:00–17:00 overlap." in response.text
    assert not Schedule.objects.exists()


def test_an_empty_interval_is_refused(admin_client):
    response = admin_client.post("/admin/escalation/schedule/add/", schedule_form(intervals=[(2, "12:00", "08:00")]))
    assert "Wednesday 12:00–08:00 is empty: an interval must end after it starts" in response.text
    assert not Schedule.objects.exists()


def test_public_holidays_are_imported_for_a_german_state(admin_client, office_hours):
    response = admin_client.post("/admin/escalation/schedule/", {
        "action": "import_public_holidays", "_selected_action": [office_hours.pk]}, follow=True)
    assert "holidays added" in response.text
    days = set(office_hours.holidays.values_list("date", flat=True))
    assert date(2026, 12, 25) in days
    assert date(2027, 1, 6) in days  # Heilige Drei Könige: a Bavarian holiday


def test_an_unknown_region_is_reported(admin_client, office_hours):
    office_hours.holiday_region = "XX-YY"
    office_hours.save()
    response = admin_client.post("/admin/escalation/schedule/", {
        "action": "import_public_holidays", "_selected_action": [office_hours.pk]}, follow=True)
    assert "Unknown country or state" in response.text
    assert not Holiday.objects.exists()


ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//Company calendar//EN
BEGIN:VEVENT
UID:1@example
DTSTART;VALUE=DATE:20261224
SUMMARY:Heiligabend
END:VEVENT
BEGIN:VEVENT
UID:2@example
DTSTART;VALUE=DATE:20261231
SUMMARY:Silvester
END:VEVENT
END:VCALENDAR
"""


def test_holidays_are_imported_from_an_icalendar_file(admin_client, office_hours):
    response = admin_client.post(f"/admin/escalation/schedule/{office_hours.pk}/import-ical/",
                                 {"file": SimpleUploadedFile("company.ics", ICS, content_type="text/calendar")})
    assert response.status_code == 302
    assert dict(office_hours.holidays.values_list("date", "name")) == {
        date(2026, 12, 24): "Heiligabend", date(2026, 12, 31): "Silvester"}


def test_a_broken_icalendar_file_is_refused(admin_client, office_hours):
    response = admin_client.post(f"/admin/escalation/schedule/{office_hours.pk}/import-ical/",
                                 {"file": SimpleUploadedFile("x.ics", b"not a calendar")})
    assert response.status_code == 200
    assert "not a valid iCalendar" in response.text


def policy_form(schedule, **overrides):
    data = {"name": "Gold", "position": 1, "schedule": schedule.pk, "targets-TOTAL_FORMS": 1, "targets-INITIAL_FORMS": 0,
            "targets-0-metric": Metric.FIRST_RESPONSE, "targets-0-priority": Priority.NORMAL,
            "targets-0-duration": "1:00:00", "targets-0-business_hours": "on", "targets-0-warn_at_percent": 75,
            "pause_resolution": ["waiting", "on_hold"]}
    data.update(overrides)
    return data


def test_the_first_policy_must_be_the_default(admin_client, office_hours):
    response = admin_client.post("/admin/escalation/slapolicy/add/", policy_form(office_hours))
    assert "One policy must be the default" in response.text
    assert not SlaPolicy.objects.exists()


def test_a_default_policy_with_targets_and_pausing_is_saved(admin_client, office_hours):
    response = admin_client.post("/admin/escalation/slapolicy/add/", policy_form(office_hours, is_default="on"))
    assert response.status_code == 302
    policy = SlaPolicy.objects.get()
    assert policy.targets.get().duration == timedelta(hours=1)
    assert policy.pause_statuses["resolution"] == ["waiting", "on_hold"]
    assert policy.pause_statuses["first_response"] == []


def test_there_is_only_one_default(admin_client, policy, office_hours):
    response = admin_client.post("/admin/escalation/slapolicy/add/", policy_form(office_hours, is_default="on"))
    assert "Another policy is already the default" in response.text


def test_the_default_policy_cannot_be_deleted(admin_client, policy):
    assert admin_client.get(f"/admin/escalation/slapolicy/{policy.pk}/delete/").status_code == 403


def test_a_named_tier_rule_needs_its_tier(admin_client):
    response = admin_client.post("/admin/escalation/escalationrule/add/", {
        "name": "Up", "position": 1, "is_active": "on", "action": "named_tier"})
    assert "Choose the tier to move the ticket to." in response.text


@pytest.mark.parametrize("path", [
    "/admin/escalation/schedule/", "/admin/escalation/slapolicy/", "/admin/escalation/escalationrule/",
    "/admin/escalation/ticketclock/", "/admin/escalation/clockevent/", "/admin/escalation/notification/",
])
def test_every_escalation_admin_list_opens(admin_client, path, policy):
    assert admin_client.get(path).status_code == 200


def test_the_clock_event_list_shows_the_escalation_latency(admin_client, policy):
    page = admin_client.get("/admin/escalation/clockevent/").text
    assert "No warnings or breaches in the last 24 hours." in page
