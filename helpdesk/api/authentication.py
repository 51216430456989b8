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
from rest_framework import authentication


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
    pass


class SessionAuthentication(_ProfileLanguage, authentication.SessionAuthentication):
    pass


class SessionScheme(spectacular_authentication.SessionScheme):
    """The OpenAPI description of the session log-in above (drf-spectacular matches only DRF's own class)."""

    target_class = SessionAuthentication
