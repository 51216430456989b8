from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the services keep (logs, histories): to read, filter and search, never to edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
