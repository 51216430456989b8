"""SLA policies, business-hour schedules, per-ticket clocks and escalation rules.

The due moments of every running clock live here, indexed (`TicketClock.next_fire_at`): PostgreSQL is
the source of truth for what must happen when; the Celery sweep only reads it.
"""

import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helpdesk.durations import format_duration
from tickets.models import Category, Organisation, Priority, Status, Ticket, Tier


def _time_zone_choices():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Schedule(models.Model):
    """Business hours: weekly intervals in a time zone, minus holidays."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, choices=_time_zone_choices, default="Europe/Berlin")
    holiday_region = models.CharField(
        _("public holidays of"), max_length=10, blank=True,
        help_text=_("Country and optionally state for the holiday import, e.g. “DE-BY” for Bavaria or “DE”."),
    )
    # Bumped on every change to the schedule, its intervals or holidays: workers cache calendars by it.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business-hours schedule")
        verbose_name_plural = _("business-hours schedules")

    def __str__(self):
        return self.name


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessInterval(models.Model):
    schedule = models.ForeignKey(Schedule, verbose_name=_("schedule"), on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"), help_text=_("00:00 means midnight at the end of the day."))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("business interval")
        verbose_name_plural = _("business intervals")

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        from .schedules import validate_intervals  # schedules imports these models

        if self.start is not None and self.end is not None and self.weekday is not None:
            validate_intervals([(self.weekday, self.start, self.end)])


class Holiday(models.Model):
    schedule = models.ForeignKey(Schedule, verbose_name=_("schedule"), on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [models.UniqueConstraint(fields=["schedule", "date"], name="unique_holiday_per_schedule")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")
    TIER_TIME = "tier_time", _("Time at tier")


def default_pause_statuses():
    return {
        Metric.FIRST_RESPONSE: [],
        Metric.NEXT_RESPONSE: [],
        Metric.RESOLUTION: [Status.WAITING, Status.ON_HOLD],
        Metric.TIER_TIME: [Status.WAITING, Status.ON_HOLD],
    }


class SlaPolicy(models.Model):
    """Which targets apply to a ticket. Policies are tried in order; the first whose conditions all
    match wins, and the default policy catches every ticket the others leave."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("position"), default=100, help_text=_("Lower numbers are tried first."))
    is_default = models.BooleanField(_("default policy"), default=False,
                                     help_text=_("Applies when no other policy matches. Exactly one policy is the default."))
    schedule = models.ForeignKey(Schedule, verbose_name=_("business hours"), on_delete=models.PROTECT, related_name="policies")
    categories = models.ManyToManyField(Category, verbose_name=_("categories"), blank=True,
                                        help_text=_("Empty: any category."))
    priorities = ArrayField(
        models.PositiveSmallIntegerField(choices=Priority.choices), verbose_name=_("priorities"), default=list,
        blank=True, help_text=_("Empty: any priority."),
    )
    organisations = models.ManyToManyField(Organisation, verbose_name=_("organisations"), blank=True,
                                           help_text=_("Empty: any organisation."))
    pause_statuses = models.JSONField(
        _("statuses that pause each clock"), default=default_pause_statuses,
        help_text=_("For each target, the ticket statuses in which its clock stops."),
    )
    calls_count_as_response = models.BooleanField(
        _("a phone call with the customer counts as a response"), default=True,
        help_text=_("A call recorded on the ticket meets the first and next response targets, like a reply."),
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_sla_policy")
        ]

    def __str__(self):
        return self.name


class SlaTarget(models.Model):
    policy = models.ForeignKey(SlaPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="targets")
    metric = models.CharField(_("target"), max_length=20, choices=Metric.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    duration = models.DurationField(
        _("time allowed"), help_text=_("Hours:minutes:seconds, e.g. 4:00:00 for four hours; days as “2 00:00:00”.")
    )
    business_hours = models.BooleanField(_("in business hours"), default=True,
                                         help_text=_("Off: counted in calendar time, around the clock."))
    warn_at_percent = models.PositiveSmallIntegerField(
        _("warn at (%)"), null=True, blank=True, default=75, validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("Warn the assignee and the tier lead when this share of the time has passed. Empty: no warning."),
    )

    class Meta:
        ordering = ["policy", "metric", "priority"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(fields=["policy", "metric", "priority"], name="unique_sla_target"),
            models.CheckConstraint(condition=Q(duration__gt="0 seconds"), name="sla_target_positive_duration"),
        ]

    def __str__(self):
        return f"{self.get_metric_display()} / {self.get_priority_display()}: {format_duration(self.duration)}"


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")


class TicketClock(models.Model):
    """One SLA target applied to one ticket.

    Time used so far is `consumed` (business or calendar time, as the target says) plus, while
    running, the time since `running_since`. `due_at` and `warn_at` follow from that and are
    recomputed on every ticket event that matters; `next_fire_at` is the next moment the sweep must
    act (warn or breach), NULL when nothing is pending.
    """

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="clocks")
    metric = models.CharField(_("target"), max_length=20, choices=Metric.choices)
    policy = models.ForeignKey(SlaPolicy, verbose_name=_("policy"), null=True, on_delete=models.SET_NULL, related_name="+")
    target = models.DurationField(_("time allowed"))
    business_hours = models.BooleanField(_("in business hours"))
    warn_at_percent = models.PositiveSmallIntegerField(_("warn at (%)"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=ClockState.choices)
    started_at = models.DateTimeField(_("started"))
    running_since = models.DateTimeField(_("running since"), null=True, blank=True)
    consumed = models.DurationField(_("time used before the current run"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warning due"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("met"), null=True, blank=True)
    next_fire_at = models.DateTimeField(_("next action"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["ticket", "metric"]
        constraints = [models.UniqueConstraint(fields=["ticket", "metric"], name="one_clock_per_metric")]
        indexes = [
            # The sweep's only question: what is due now? A partial index keeps it tiny and its scan short.
            models.Index(fields=["next_fire_at"], condition=Q(next_fire_at__isnull=False), name="clock_next_fire_idx"),
            models.Index(fields=["due_at"], condition=Q(state="running"), name="clock_running_due_idx"),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.metric} {self.state}"


class ClockEventKind(models.TextChoices):
    APPLIED = "applied", _("Applied")
    PAUSED = "paused", _("Paused")
    RESUMED = "resumed", _("Resumed")
    RECOMPUTED = "recomputed", _("Recomputed")
    RESTARTED = "restarted", _("Restarted")
    MET = "met", _("Met")
    WARNED = "warned", _("Warned")
    BREACHED = "breached", _("Breached")
    ESCALATED = "escalated", _("Escalated")
    REMINDER = "reminder", _("Follow-up due")


class ClockEvent(models.Model):
    """Append-only log of a clock: enough to explain it and rebuild it. Warnings and breaches keep
    both the moment they were due and the moment the worker acted, so latency can be shown."""

    clock = models.ForeignKey(TicketClock, verbose_name=_("clock"), on_delete=models.CASCADE, related_name="events")
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="clock_events")
    kind = models.CharField(_("kind"), max_length=12, choices=ClockEventKind.choices)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    created_at = models.DateTimeField(_("happened"), auto_now_add=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("SLA clock event")
        verbose_name_plural = _("SLA clock events")
        indexes = [models.Index(fields=["ticket", "created_at"], name="clockevent_ticket_idx")]

    @property
    def latency(self):
        return self.created_at - self.due_at if self.due_at else None


class RuleAction(models.TextChoices):
    NEXT_TIER = "next_tier", _("Move to the next tier")
    NAMED_TIER = "named_tier", _("Move to a named tier")
    NOTIFY = "notify", _("Only notify")


class EscalationRule(models.Model):
    """What happens when a target is breached. Rules are tried in order; the first that matches the
    breached target and the ticket's tier acts. At the top tier a move becomes: notify the lead and
    raise the priority."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    metric = models.CharField(_("breached target"), max_length=20, choices=Metric.choices, blank=True,
                              help_text=_("Empty: any target."))
    from_tier = models.ForeignKey(Tier, verbose_name=_("at tier"), null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+", help_text=_("Empty: any tier."))
    action = models.CharField(_("action"), max_length=12, choices=RuleAction.choices, default=RuleAction.NEXT_TIER)
    to_tier = models.ForeignKey(Tier, verbose_name=_("to tier"), null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", help_text=_("Only for “Move to a named tier”."))
    raise_priority = models.BooleanField(_("raise the priority"), default=False)
    notify_assignee = models.BooleanField(_("notify the assignee"), default=True)
    notify_lead = models.BooleanField(_("notify the tier lead"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")

    def __str__(self):
        return self.name

    def clean(self):
        if self.action == RuleAction.NAMED_TIER and self.to_tier_id is None:
            raise ValidationError({"to_tier": _("Choose the tier to move the ticket to.")})
        if self.action != RuleAction.NAMED_TIER and self.to_tier_id is not None:
            raise ValidationError({"to_tier": _("A target tier is only used with “Move to a named tier”.")})


class Notification(models.Model):
    """An in-app message to an agent (warnings and escalations); mail goes out as well."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE,
                                  related_name="sla_notifications")
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=ClockEventKind.choices)
    data = models.JSONField(_("data"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx")]


class Reminder(models.Model):
    """A Wiedervorlage: an agent wants the ticket back at a moment (call the customer back, check a
    fix). PostgreSQL holds the moment; the sweep fires it exactly once, like an SLA clock."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="reminders")
    due_at = models.DateTimeField(_("due"))
    note = models.TextField(_("note"), blank=True, max_length=2000)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("set by"), null=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    fired_at = models.DateTimeField(_("fired"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("follow-up reminder")
        verbose_name_plural = _("follow-up reminders")
        indexes = [models.Index(fields=["due_at"], condition=Q(fired_at__isnull=True, cancelled_at__isnull=True),
                                name="reminder_pending_idx")]

    def __str__(self):
        return f"{self.ticket_id} @ {self.due_at:%Y-%m-%d %H:%M}"
