from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views import defaults
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tickets.forms import LoginForm, PasswordResetForm
from tickets.urls import agent_patterns, portal_patterns
from tickets.views import accounts, common, passwords, registration, twofactor

admin.site.site_header = _("Helpdesk administration")
admin.site.site_title = _("Helpdesk")
admin.site.index_title = _("Configuration")

urlpatterns = [
    path("", common.home, name="home"),
    path("portal/", include(portal_patterns)),
    path("agent/", include(agent_patterns)),
    path("attachments/<int:pk>/", common.attachment_download, name="attachment"),
    path("kb/", include("knowledgebase.urls")),
    path("agent/mail/", include("mailchannel.urls")),
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
    path("agent/", include("escalation.urls")),
    path("api/v1/", include("escalation.api.urls")),
    path("api/v1/kb/", include("knowledgebase.api.urls")),
    path("api/v1/mail/", include("mailchannel.api.urls")),
    path("api/v1/", include("tickets.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]


def _api_aware(html_handler, status, detail):
    """Under /api/ even an unknown address or a crash answers JSON, as the API description says."""
    from django.http import JsonResponse

    def handler(request, *args, **kwargs):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": str(detail)}, status=status)
        return html_handler(request, *args, **kwargs)

    return handler


# The product's own pages (templates/400.html, 403.html, 404.html, 500.html) elsewhere.
handler400 = _api_aware(defaults.bad_request, 400, _("Bad request."))
handler403 = _api_aware(defaults.permission_denied, 403, _("You do not have permission to perform this action."))
handler404 = _api_aware(defaults.page_not_found, 404, _("Not found."))
handler500 = _api_aware(defaults.server_error, 500, _("Server error. Please try again later."))
