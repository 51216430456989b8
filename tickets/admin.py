from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from helpdesk.admin import configuration_site

from .models import (
    Attachment,
    Category,
    Organisation,
    Profile,
    Ticket,
    TicketAction,
    TicketEvent,
    Tier,
    TierMembership,
    TierPower,
)
from .powers import DEFAULT_REACH
from .presenters import describe_event

User = get_user_model()


class TierMembershipInline(admin.TabularInline):
    model = TierMembership
    extra = 1
    autocomplete_fields = ["agent"]


class TierPowerInline(admin.TabularInline):
    """How far each ticket action reaches for the tier's members. The actions without a row are
    offered with their default (tickets.powers.DEFAULT_REACH), which also applies until saved."""

    model = TierPower
    max_num = len(TicketAction)
    can_delete = True

    def get_extra(self, request, obj=None, **kwargs):
        saved = obj.powers.count() if obj is not None and obj.pk else 0
        return len(TicketAction) - saved


@admin.register(Tier)
class TierAdmin(TranslationAdmin):
    """The name in each language (tickets/translation.py); the list shows the reader's. Its powers:
    the ticket actions by level (inline) and the permissions every member holds."""

    list_display = ["level", "name", "lead", "member_count"]
    list_display_links = ["name"]
    autocomplete_fields = ["lead"]
    filter_horizontal = ["permissions"]
    inlines = [TierPowerInline, TierMembershipInline]

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, TierPowerInline):
            saved = set(obj.powers.values_list("action", flat=True)) if obj.pk else set()
            kwargs["initial"] = [{"action": action, "reach": DEFAULT_REACH[action]}
                                 for action in TicketAction.values if action not in saved]
        return kwargs

    @admin.display(description=_("members"))
    def member_count(self, tier):
        return tier.memberships.count()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lead")


@admin.register(TierMembership)
class TierMembershipAdmin(admin.ModelAdmin):
    list_display = ["agent", "tier"]
    list_filter = ["tier"]
    autocomplete_fields = ["agent"]
    list_select_related = ["agent", "tier"]


@admin.register(Category)
class CategoryAdmin(TranslationAdmin):
    list_display = ["name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name_en", "name_de"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "language"]
    list_filter = ["language", "organisation"]
    search_fields = ["user__username", "user__email", "user__last_name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]


class TicketEventInline(admin.TabularInline):
    """The timeline, read-only: history is append-only and is written by the services alone."""

    model = TicketEvent
    fields = ["created_at", "summary", "actor", "is_public", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["created_at", "id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("what happened"))
    def summary(self, event):
        return describe_event(event)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class AttachmentInline(admin.TabularInline):
    model = Attachment
    fields = ["name", "size", "content_type", "uploaded_by", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-mostly: tickets change through the agent workspace or the API, so that every change goes
    through the services and lands in the timeline."""

    list_display = ["reference", "subject", "status", "priority", "tier", "assignee", "requester", "updated_at"]
    list_filter = ["status", "priority", "tier", "category"]
    search_fields = ["reference", "subject", "requester__email"]
    list_select_related = ["tier", "assignee", "requester"]
    date_hierarchy = "created_at"
    inlines = [TicketEventInline, AttachmentInline]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Ticket._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    autocomplete_fields = ["organisation"]


class UserTierMembershipInline(admin.TabularInline):
    model = TierMembership
    extra = 0
    verbose_name = _("tier membership")


class HelpdeskUserAdmin(UserAdmin):
    inlines = [ProfileInline, UserTierMembershipInline]


admin.site.unregister(User)
admin.site.register(User, HelpdeskUserAdmin)


# Categories are kept by the 3rd level too (helpdesk.admin.ConfigurationSite).
configuration_site.register(Category, CategoryAdmin)
