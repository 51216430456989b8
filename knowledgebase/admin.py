"""The knowledge base in the Django admin: an overview of the articles with their history, and the
reports that show where it falls short (searches without results, tickets it saved).

Articles change through the services here too: saving a change makes a new version, publishing and
archiving are the reviewers' actions, and a refusal is told as a message instead of being bypassed.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from helpdesk.admin import ReadOnlyAdmin
from tickets import roles

from . import services
from .models import Article, ArticleLink, ArticleVersion, Deflection, Review, SearchLog

# What the services write and nobody edits by hand.
GENERATED_FIELDS = ["state", "author", "created_at", "updated_at", "published_at", "helpful_count",
                    "not_helpful_count"]
EDITABLE_FIELDS = ["title", "problem", "environment", "cause", "resolution", "summary", "category", "tags",
                   "language", "audience", "min_tier"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ArticleVersionInline(ReadOnlyInline):
    model = ArticleVersion
    fields = ["number", "editor", "created_at", "note"]
    readonly_fields = fields
    ordering = ["-number"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("editor")


class ReviewInline(ReadOnlyInline):
    model = Review
    fields = ["version", "decision", "reviewer", "comment", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer")


class ArticleAdminForm(forms.ModelForm):
    note = forms.CharField(label=ArticleVersion._meta.get_field("note").verbose_name, max_length=300,
                           required=False)

    class Meta:
        model = Article
        fields = EDITABLE_FIELDS


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "state", "audience", "language", "category", "updated_at"]
    list_filter = ["state", "audience", "language", "category", "min_tier"]
    search_fields = ["title", "problem", "resolution", "summary"]
    list_select_related = ["category"]
    date_hierarchy = "updated_at"
    autocomplete_fields = ["category"]
    readonly_fields = GENERATED_FIELDS
    inlines = [ArticleVersionInline, ReviewInline]
    actions = ["publish", "archive"]
    show_full_result_count = False

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["title", "problem", "environment", "cause", "resolution", "summary"]}),
            (_("Knowledge base"), {"fields": ["category", "tags", "language", "audience", "min_tier", "note"]}),
        ]
        if obj is not None:
            fieldsets.append((None, {"fields": GENERATED_FIELDS}))
        return fieldsets

    def has_add_permission(self, request):
        return super().has_add_permission(request) and roles.is_agent(request.user)  # authors are agents

    def has_change_permission(self, request, obj=None):
        """Whoever may change articles may change this one only where the services let them
        (an archived article stays as it was; a non-reviewer edits only their own drafts)."""
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or services.can_edit(obj, request.user))

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # the workflow archives; deleting also drops the history

    def save_model(self, request, obj, form, change):
        note = form.cleaned_data.get("note", "")
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
            services.article_update(article=obj, editor=request.user, note=note, **fields)
        else:
            fields = {name: form.cleaned_data[name] for name in EDITABLE_FIELDS}
            article = services.article_create(author=request.user, note=note, **fields)
            obj.pk = article.pk
            obj._state.adding = False
        obj.refresh_from_db()

    def _run(self, request, queryset, call, done_message):
        done = 0
        for article in queryset:
            try:
                call(article)
            except (ValidationError, PermissionDenied) as error:
                reason = " ".join(getattr(error, "messages", None) or [str(error)])
                self.message_user(request, f"{article}: {reason}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Publish the selected articles"))
    def publish(self, request, queryset):
        self._run(
            request, queryset, lambda article: services.article_publish(article=article, reviewer=request.user),
            lambda n: ngettext("%(count)d article published.", "%(count)d articles published.", n) % {"count": n},
        )

    @admin.action(description=_("Archive the selected articles"))
    def archive(self, request, queryset):
        self._run(
            request, queryset, lambda article: services.article_archive(article=article, reviewer=request.user),
            lambda n: ngettext("%(count)d article archived.", "%(count)d articles archived.", n) % {"count": n},
        )



@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["article", "version", "decision", "reviewer", "created_at"]
    list_filter = ["decision"]
    search_fields = ["article__title", "comment"]
    list_select_related = ["article", "reviewer"]


@admin.register(ArticleLink)
class ArticleLinkAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "article", "kind", "created_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["ticket__reference", "article__title"]
    list_select_related = ["ticket", "article", "created_by"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # a link made by mistake may go


class ResultsFilter(admin.SimpleListFilter):
    title = SearchLog._meta.get_field("results").verbose_name
    parameter_name = "results"

    def lookups(self, request, model_admin):
        return [("0", _("Searches without results")), ("some", _("Searches with results"))]

    def queryset(self, request, queryset):
        if self.value() == "0":
            return queryset.filter(results=0)
        if self.value() == "some":
            return queryset.filter(results__gt=0)
        return queryset


@admin.register(SearchLog)
class SearchLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "query", "scope", "language", "results", "user"]
    list_filter = [ResultsFilter, "scope", "language"]
    search_fields = ["query"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Deflection)
class DeflectionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "article", "query", "user"]
    search_fields = ["article__title", "query"]
    list_select_related = ["article", "user"]
    date_hierarchy = "created_at"
