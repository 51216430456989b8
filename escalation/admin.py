from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from helpdesk.admin import ReadOnlyAdmin, configuration_site
from helpdesk.durations import format_duration
from tickets.models import SOLVED_STATUSES, Status

from . import schedules
from .models import (
    BusinessInterval,
    ClockEvent,
    EscalationRule,
    Holiday,
    Metric,
    Notification,
    Schedule,
    SlaPolicy,
    SlaTarget,
    TicketClock,
)


class BusinessIntervalFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        rows = [
            f.cleaned_data for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and not f.errors
        ]
        try:
            schedules.validate_intervals((r["weekday"], r["start"], r["end"]) for r in rows)
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class BusinessIntervalInline(admin.TabularInline):
    model = BusinessInterval
    formset = BusinessIntervalFormSet
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


class ICalendarImportForm(forms.Form):
    file = forms.FileField(label=_("iCalendar file (.ics)"))


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "holiday_region", "interval_count", "holiday_count"]
    inlines = [BusinessIntervalInline, HolidayInline]
    actions = ["import_public_holidays"]
    change_form_template = "admin/escalation/schedule/change_form.html"

    @admin.display(description=_("business intervals"))
    def interval_count(self, schedule):
        return schedule.intervals.count()

    @admin.display(description=_("holidays"))
    def holiday_count(self, schedule):
        return schedule.holidays.count()

    @admin.action(description=_("Import public holidays (this year and the next two)"))
    def import_public_holidays(self, request, queryset):
        for schedule in queryset:
            try:
                added = schedules.import_public_holidays(schedule=schedule)
            except ValidationError as error:
                self.message_user(request, f"{schedule}: {' '.join(error.messages)}", messages.ERROR)
                continue
            self.message_user(
                request,
                ngettext("%(schedule)s: %(count)d holiday added.", "%(schedule)s: %(count)d holidays added.", added)
                % {"schedule": schedule, "count": added},
            )

    def get_urls(self):
        return [
            path("<int:pk>/import-ical/", self.admin_site.admin_view(self.import_ical_view), name="escalation_schedule_import_ical"),
            *super().get_urls(),
        ]

    def import_ical_view(self, request, pk):
        schedule = self.get_object(request, pk)
        if schedule is None or not self.has_change_permission(request, schedule):
            return redirect(f"{self.admin_site.name}:escalation_schedule_changelist")
        form = ICalendarImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                added = schedules.import_ical_holidays(schedule=schedule, content=form.cleaned_data["file"].read())
            except ValidationError as error:
                form.add_error("file", error)
            else:
                self.message_user(
                    request,
                    ngettext("%(count)d holiday imported.", "%(count)d holidays imported.", added) % {"count": added},
                )
                return redirect(reverse(f"{self.admin_site.name}:escalation_schedule_change", args=[schedule.pk]))
        request.current_app = self.admin_site.name
        context = {**self.admin_site.each_context(request), "form": form, "schedule": schedule,
                   "opts": self.model._meta, "title": _("Import holidays from an iCalendar file")}
        return render(request, "admin/escalation/schedule/import_ical.html", context)


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0


PAUSABLE_STATUSES = [(s, label) for s, label in Status.choices if s not in SOLVED_STATUSES]


def _pause_field():
    return forms.MultipleChoiceField(choices=PAUSABLE_STATUSES, required=False, widget=forms.CheckboxSelectMultiple)


class SlaPolicyForm(forms.ModelForm):
    """Pausing is edited as one set of checkboxes per target instead of raw JSON."""

    pause_first_response = _pause_field()
    pause_next_response = _pause_field()
    pause_resolution = _pause_field()
    pause_tier_time = _pause_field()

    class Meta:
        model = SlaPolicy
        exclude = ["pause_statuses"]
        widgets = {"priorities": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from tickets.models import Priority

        self.fields["priorities"] = forms.TypedMultipleChoiceField(
            label=_("priorities"), choices=Priority.choices, coerce=int, required=False,
            widget=forms.CheckboxSelectMultiple, help_text=_("Empty: any priority."),
            initial=self.instance.priorities,
        )
        pauses = self.instance.pause_statuses or {}
        for metric, label in Metric.choices:
            field = self.fields[f"pause_{metric}"]
            field.label = _("“%(target)s” pauses while") % {"target": label}
            field.initial = pauses.get(metric, [])

    def clean(self):
        cleaned = super().clean()
        others_default = SlaPolicy.objects.filter(is_default=True).exclude(pk=self.instance.pk).exists()
        if not cleaned.get("is_default") and not others_default:
            raise ValidationError(_("One policy must be the default, so that every ticket gets targets. Tick “default policy” here or on another policy first."))
        if cleaned.get("is_default") and others_default:
            raise ValidationError(_("Another policy is already the default. Untick it there first."))
        return cleaned

    def save(self, commit=True):
        self.instance.priorities = self.cleaned_data.get("priorities") or []
        self.instance.pause_statuses = {metric: self.cleaned_data.get(f"pause_{metric}", []) for metric in Metric.values}
        return super().save(commit)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    form = SlaPolicyForm
    list_display = ["name", "position", "is_default", "schedule"]
    list_editable = ["position"]
    filter_horizontal = ["categories", "organisations"]
    inlines = [SlaTargetInline]
    actions = ["apply_to_open_tickets"]

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["name", "position", "is_default", "schedule"]}),
            (_("Conditions (all must match)"), {"fields": ["categories", "priorities", "organisations"]}),
            (_("Pausing"), {"fields": [f"pause_{m}" for m in Metric.values]}),
            (_("Responses"), {"fields": ["calls_count_as_response"]}),
        ]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_default:
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description=_("Apply policies to all open tickets (recompute their SLA clocks)"))
    def apply_to_open_tickets(self, request, queryset):
        from .tasks import recompute_open_tickets

        recompute_open_tickets.delay()
        self.message_user(request, _("The SLA clocks of all open tickets are being recomputed in the background."))


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "is_active", "metric", "from_tier", "action", "to_tier", "raise_priority"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "metric", "action"]



@admin.register(TicketClock)
class TicketClockAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "metric", "state", "target_display", "business_hours", "due_at", "breached_at", "stopped_at"]
    list_filter = ["state", "metric", "business_hours"]
    search_fields = ["ticket__reference"]
    list_select_related = ["ticket"]
    show_full_result_count = False

    @admin.display(description=_("time allowed"), ordering="target")
    def target_display(self, clock):
        return format_duration(clock.target)


@admin.register(ClockEvent)
class ClockEventAdmin(ReadOnlyAdmin):
    """The clocks' history. The list shows how late each warning and breach ran after its due
    moment, and the page header sums it up for the last 24 hours."""

    list_display = ["created_at", "ticket", "kind", "metric", "due_at", "latency_display"]
    list_filter = ["kind"]
    search_fields = ["ticket__reference"]
    list_select_related = ["ticket", "clock"]
    show_full_result_count = False
    change_list_template = "admin/escalation/clockevent/change_list.html"

    @admin.display(description=_("target"))
    def metric(self, event):
        return event.clock.get_metric_display()

    @admin.display(description=_("latency"))
    def latency_display(self, event):
        latency = event.latency
        return f"{number_format(latency.total_seconds(), 1)} s" if latency is not None else "–"

    def changelist_view(self, request, extra_context=None):
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT count(*),
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - due_at)),
                       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - due_at)),
                       max(extract(epoch FROM created_at - due_at))
                FROM escalation_clockevent
                WHERE kind IN ('warned', 'breached') AND due_at IS NOT NULL
                  AND created_at > now() - interval '24 hours'
                """
            )
            count, p50, p99, worst = cursor.fetchone()
        extra_context = {**(extra_context or {}), "latency": {"count": count, "p50": p50, "p99": p99, "max": worst}}
        return super().changelist_view(request, extra_context)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "ticket", "kind", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient", "ticket"]


# What the 3rd level keeps by default without being an admin (helpdesk.admin.ConfigurationSite).
configuration_site.register(Schedule, ScheduleAdmin)
configuration_site.register(SlaPolicy, SlaPolicyAdmin)
configuration_site.register(EscalationRule, EscalationRuleAdmin)
