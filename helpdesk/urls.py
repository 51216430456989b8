from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from helpdesk.admin import configuration_site
from helpdesk.web import errors
from tickets.forms import LoginForm, PasswordResetForm
from tickets.urls import agent_patterns, portal_patterns
from tickets.views import accounts, common, passwords, registration, twofactor

admin.site.site_header = _("Helpdesk administration")
admin.site.site_title = _("Helpdesk")
admin.site.index_title = _("Configuration")

urlpatterns = [
    path("", common.home, name="home"),
    path("portal/", include(portal_patterns)),
    path("agent/configuration/", configuration_site.urls),
    path("agent/", include(agent_patterns)),
    path("attachments/<int:pk>/", common.attachment_download, name="attachment"),
    path("kb/", include("knowledgebase.urls")),
    path("agent/mail/", include("mailchannel.urls")),
    path("agent/problems/", include("problems.urls")),
    path("agent/macros/", include("macros.urls")),
    path("accounts/register/", registration.register, name="register"),
    path("accounts/register/done/", registration.register_done, name="register_done"),
    path("accounts/register/confirm/<uidb64>/<token>/", registration.register_confirm, name="register_confirm"),
    path("accounts/api-token/", accounts.api_token, name="api_token"),
    path("accounts/two-factor/", twofactor.manage, name="two_factor"),
    path("accounts/two-factor/verify/", twofactor.verify, name="two_factor_verify"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path(
        "accounts/password_change/",
        passwords.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("language/", accounts.change_language, name="set_language"),
    path("", include("privacy.urls")),
    path("agent/", include("escalation.urls")),
    path("api/v1/", include("escalation.api.urls")),
    path("api/v1/kb/", include("knowledgebase.api.urls")),
    path("api/v1/mail/", include("mailchannel.api.urls")),
    path("api/v1/problems/", include("problems.api.urls")),
    path("api/v1/macros/", include("macros.api.urls")),
    path("api/v1/privacy/", include("privacy.api.urls")),
    path("api/v1/", include("tickets.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's start script as a file of its own (?script), not inline: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]


# The product's own pages (templates/400.html, 403.html, 404.html, 413.html, 500.html), JSON under /api/.
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
