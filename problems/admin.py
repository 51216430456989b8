"""The admin's view of problems: the record with its proposals; the links, history and broadcasts are
read-only (the services write them, so that customers hear of it)."""

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from .models import Broadcast, ChangeProposal, Problem, ProblemEvent


class ChangeProposalInline(admin.StackedInline):
    model = ChangeProposal
    extra = 0
    fields = ["title", "reason", "risk", "components", "status", "proposed_by", "decided_by", "decision_reason"]
    readonly_fields = ["proposed_by", "decided_by"]


class ProblemEventInline(admin.TabularInline):
    model = ProblemEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "actor", "body"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class BroadcastInline(admin.TabularInline):
    model = Broadcast
    extra = 0
    can_delete = False
    fields = ["kind", "created_at", "total", "done", "skipped", "finished_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Problem)
class ProblemAdmin(TranslationAdmin):
    list_display = ["reference", "title", "status", "owner", "updated_at"]
    list_filter = ["status"]
    search_fields = ["title", "affected_systems"]
    autocomplete_fields = ["owner", "article"]
    readonly_fields = ["status", "workaround_published_at", "resolved_at", "resolved_by", "created_by"]
    inlines = [ChangeProposalInline, BroadcastInline, ProblemEventInline]
