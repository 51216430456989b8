"""Personal data in the admin: export or erase a person (actions on users), the erasure records
(read only), the customers' requests, retention periods per organisation with a dry run."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets.admin import HelpdeskUserAdmin

from . import selectors, services, tasks
from .models import ErasureRecord, ErasureRequest, RetentionPolicy

User = get_user_model()


def _erase(modeladmin, request, people, *, title, carry_out):
    """The confirmation page, then the erasure of each person."""
    if request.POST.get("confirmed") == "yes":
        done = 0
        for person in people:
            try:
                carry_out(person)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                modeladmin.message_user(request, f"{person.pk}: {' '.join(getattr(error, 'messages', [str(error)]))}",
                                        messages.ERROR)
        if done:
            modeladmin.message_user(request, _("Erased the personal data of %(count)d people.") % {"count": done},
                                    messages.SUCCESS)
        return None
    context = {**modeladmin.admin_site.each_context(request), "title": title, "people": people,
               "selected": request.POST.getlist(ACTION_CHECKBOX_NAME), "action": request.POST.get("action"),
               "opts": modeladmin.model._meta}
    return TemplateResponse(request, "privacy/admin/erase_confirm.html", context)


class PrivacyUserAdmin(HelpdeskUserAdmin):
    actions = [*(HelpdeskUserAdmin.actions or []), "export_personal_data", "erase_personal_data"]

    @admin.action(description=gettext_lazy("Export personal data (ZIP)"))
    def export_personal_data(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one person to export."), messages.WARNING)
            return None
        person = queryset.get()
        archive = services.export_person(person=person, actor=request.user)
        return FileResponse(archive, as_attachment=True, filename=services.export_filename(person),
                            content_type="application/zip")

    @admin.action(description=gettext_lazy("Erase personal data (anonymise)"))
    def erase_personal_data(self, request, queryset):
        return _erase(self, request, list(queryset), title=_("Erase personal data"),
                      carry_out=lambda person: services.erase_person(person=person, actor=request.user))


admin.site.unregister(User)
admin.site.register(User, PrivacyUserAdmin)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ErasureRecord)
class ErasureRecordAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "person_id_kept", "actor", "reason", "tickets", "texts", "attachments", "mails",
                    "mentions_searched"]
    list_filter = ["reason"]
    list_select_related = ["actor", "pending_sweep"]
    date_hierarchy = "created_at"

    @admin.display(description=gettext_lazy("mentions elsewhere replaced"), boolean=True)
    def mentions_searched(self, record):
        return not hasattr(record, "pending_sweep")


@admin.register(ErasureRequest)
class ErasureRequestAdmin(admin.ModelAdmin):
    list_display = ["created_at", "person", "status", "admins_notified_at", "record"]
    list_filter = ["status"]
    list_select_related = ["person", "record"]
    readonly_fields = ["person", "status", "created_at", "admins_notified_at", "record"]
    actions = ["carry_out"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=gettext_lazy("Carry out: erase these people's data"))
    def carry_out(self, request, queryset):
        requests = {r.person_id: r for r in queryset.select_related("person") if r.person}
        return _erase(self, request, [r.person for r in requests.values()], title=_("Carry out erasure requests"),
                      carry_out=lambda person: services.carry_out_request(request=requests[person.pk], actor=request.user))


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ["organisation", "days"]
    autocomplete_fields = ["organisation"]
    change_list_template = "privacy/admin/retention_changelist.html"

    def get_urls(self):
        return [path("dry-run/", self.admin_site.admin_view(self.dry_run), name="privacy_retention_dry_run"),
                *super().get_urls()]

    def dry_run(self, request):
        """How many tickets the next retention run would anonymise; then, on request, run it now."""
        if not request.user.is_superuser:
            raise PermissionDenied
        if request.method == "POST":
            tasks.apply_retention.delay()
            self.message_user(request, _("The retention run has been started."), messages.SUCCESS)
            return redirect(reverse("admin:privacy_retentionpolicy_changelist"))
        from django.conf import settings

        context = {**self.admin_site.each_context(request), "title": _("Retention: dry run"),
                   "opts": self.model._meta, "dry_run": selectors.retention_dry_run(),
                   "default_days": settings.HELPDESK_RETENTION_DAYS}
        return TemplateResponse(request, "privacy/admin/retention_dry_run.html", context)
