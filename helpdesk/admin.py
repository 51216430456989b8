from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the services keep (logs, histories): to read, filter and search, never to edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ConfigurationSite(admin.AdminSite):
    """The configuration a tier keeps without being an admin: the models the apps register here
    (categories, escalation rules, SLA policies with their targets, schedules), each behind Django's
    own model permissions, which members hold through their tier (Tier.permissions, by default the
    3rd level's). Agents enter without the staff flag; everyone else is sent to the login page."""

    site_header = _("Helpdesk configuration")
    site_title = _("Helpdesk")
    index_title = _("Configuration for your level")
    site_url = "/agent/"

    def has_permission(self, request):
        from tickets import roles

        user = request.user
        if not roles.is_agent(user):
            return False
        return any(user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
                   or user.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}")
                   for model in self._registry)

    def login(self, request, extra_context=None):
        # Someone signed in without these powers is refused (the login page would send them straight
        # back: a redirect loop); the others get the one login page of the product (with its lockout
        # and second factor).
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME) or self.index_url(), settings.LOGIN_URL)

    def index_url(self):
        return reverse(f"{self.name}:index")


configuration_site = ConfigurationSite(name="configuration")
