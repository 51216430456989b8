"""The API's log-ins (token, session), which also choose the language of the answer.

LocaleMiddleware has chosen a language from the request before DRF knows who is calling. An
integration seldom says which language it wants; when a call sends no Accept-Language header (and no
language cookie), the answer comes in the language of the caller's profile, the one their mails use.
A header or cookie the caller sends wins. Error messages, choice labels and event summaries follow,
and LocaleMiddleware's Content-Language header names the language used.
"""

from django.conf import settings
from django.utils import translation
from drf_spectacular import authentication as spectacular_authentication
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


def apply_profile_language(request, user) -> None:
    django_request = getattr(request, "_request", request)
    if "HTTP_ACCEPT_LANGUAGE" in django_request.META or settings.LANGUAGE_COOKIE_NAME in django_request.COOKIES:
        return
    try:
        language = user.profile.language
    except AttributeError:  # no profile (e.g. an admin made on the command line)
        return
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        django_request.LANGUAGE_CODE = language


class _ProfileLanguage:
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            apply_profile_language(request, result[0])
        return result


class TokenAuthentication(_ProfileLanguage, authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        """DRF 3.18's authenticate_credentials (rest_framework/authentication.py), reading the
        caller's profile in the same query: the answer's language needs it, and a query of its own
        on every call made the API list 17-19 % slower per CPU-second in bench-http at 1,000,000
        tickets. The messages are DRF's (its catalogue translates them)."""
        model = self.get_model()
        try:
            token = model.objects.select_related("user__profile").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)


class SessionAuthentication(_ProfileLanguage, authentication.SessionAuthentication):
    pass


class SessionScheme(spectacular_authentication.SessionScheme):
    """The OpenAPI description of the session log-in above (drf-spectacular matches only DRF's own class)."""

    target_class = SessionAuthentication
