from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from helpdesk.admin import ReadOnlyAdmin

from . import services
from .models import InboundMessage, InboundStatus, Mailbox, OutboundMessage, OutboundStatus, UndeliverableAddress


class MailboxForm(forms.ModelForm):
    """Passwords are written, never shown again: an empty field keeps the stored one."""

    imap_password = forms.CharField(label=_("IMAP password"), required=False, strip=False,
                                    widget=forms.PasswordInput(render_value=False),
                                    help_text=_("Stored encrypted. Leave empty to keep the current password."))
    smtp_password = forms.CharField(label=_("SMTP password"), required=False, strip=False,
                                    widget=forms.PasswordInput(render_value=False),
                                    help_text=_("Stored encrypted. Leave empty to keep the current password."))

    class Meta:
        model = Mailbox
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        for field in ("imap_password", "smtp_password"):
            if not cleaned.get(field) and self.instance.pk:
                cleaned[field] = getattr(self.instance, field)
        return cleaned


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ["name", "address", "is_active", "is_default", "imap_host", "last_fetch_at", "last_success_at",
                    "short_error", "inbound_log"]
    list_filter = ["is_active"]
    readonly_fields = ["last_fetch_at", "last_success_at", "last_error", "last_error_at"]
    actions = ["check_connections"]
    fieldsets = [
        (None, {"fields": ["name", "address", "display_name", "is_active", "is_default"]}),
        (_("Incoming mail (IMAP)"), {"fields": ["imap_host", "imap_port", "imap_security", "imap_user", "imap_password",
                                                "imap_folder", "processed_folder", "verify_tls"]}),
        (_("Outgoing mail (SMTP)"), {"fields": ["smtp_host", "smtp_port", "smtp_security", "smtp_user", "smtp_password"]}),
        (_("New tickets"), {"fields": ["tier", "category", "language", "allow_unknown_senders", "reopen_days",
                                       "max_new_tickets_per_hour"]}),
        (_("Last fetch"), {"fields": ["last_fetch_at", "last_success_at", "last_error", "last_error_at"]}),
    ]

    @admin.display(description=_("last error"))
    def short_error(self, mailbox):
        return (mailbox.last_error[:80] + "…") if len(mailbox.last_error) > 80 else mailbox.last_error

    @admin.display(description=_("inbound mail"))
    def inbound_log(self, mailbox):
        url = reverse("admin:mailchannel_inboundmessage_changelist") + f"?mailbox__id__exact={mailbox.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Log"))

    @admin.action(description=_("Test the IMAP and SMTP connections"))
    def check_connections(self, request, queryset):
        for mailbox in queryset:
            for worked, text in services.mailbox_check_connections(mailbox=mailbox):
                self.message_user(request, f"{mailbox.name}: {text}", messages.SUCCESS if worked else messages.ERROR)


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "mailbox", "from_address", "subject", "status", "reason", "ticket_link", "size"]
    list_filter = ["status", "reason", "mailbox", "source"]
    search_fields = ["from_address", "subject", "message_id", "ticket__reference"]
    list_select_related = ["mailbox", "ticket"]
    date_hierarchy = "received_at"
    actions = ["release"]
    fields = ["mailbox", "source", "key", "message_id", "from_address", "from_name", "subject", "arrived_at",
              "received_at", "processed_at", "status", "reason", "detail", "ticket", "event", "size", "raw_link"]
    readonly_fields = fields

    @admin.display(description=_("ticket"))
    def ticket_link(self, inbound):
        if inbound.ticket_id is None:
            return "–"
        return format_html('<a href="{}">{}</a>', reverse("agent:ticket", args=[inbound.ticket.reference]),
                           inbound.ticket.reference)

    @admin.display(description=_("original mail"))
    def raw_link(self, inbound):
        return format_html('<a href="{}">{}</a>', reverse("mailchannel:inbound_raw", args=[inbound.pk]), _("Download (.eml)"))

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser  # for the release action; every field stays read-only

    @admin.action(description=_("Process held or failed mail now"))
    def release(self, request, queryset):
        done = 0
        for inbound in queryset.filter(status__in=[InboundStatus.HELD, InboundStatus.FAILED]):
            inbound = services.inbound_release(inbound=inbound, actor=request.user)
            done += inbound.status != InboundStatus.FAILED
        self.message_user(request, ngettext("%(count)d mail processed.", "%(count)d mails processed.", done)
                          % {"count": done}, messages.SUCCESS)


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "subject", "recipients", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "kind", "mailbox"]
    search_fields = ["subject", "message_id", "ticket__reference", "to"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    fields = ["mailbox", "ticket", "event", "kind", "message_id", "in_reply_to", "references", "from_header",
              "reply_to", "to", "cc", "subject", "body_text", "language", "is_automatic", "status", "attempts",
              "next_attempt_at", "last_error", "created_at", "sent_at"]
    readonly_fields = fields

    @admin.display(description=_("to"))
    def recipients(self, outbound):
        return ", ".join(outbound.to + outbound.cc)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser  # for the retry action; every field stays read-only

    @admin.action(description=_("Send failed mail again"))
    def retry(self, request, queryset):
        count = services.outbound_retry(ids=list(queryset.filter(status=OutboundStatus.FAILED).values_list("pk", flat=True)))
        self.message_user(request, ngettext("%(count)d mail queued again.", "%(count)d mails queued again.", count)
                          % {"count": count}, messages.SUCCESS)


@admin.register(UndeliverableAddress)
class UndeliverableAddressAdmin(admin.ModelAdmin):
    list_display = ["email", "bounced_at", "reason"]
    search_fields = ["email"]
    readonly_fields = ["bounced_at"]
