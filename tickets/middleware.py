"""The second step after the password: a session that owes it reaches nothing but the verify or
enrolment page (and logging out, the language switch, static files). See tickets/twofactor.py."""

from urllib.parse import quote

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from . import twofactor


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def open_paths(self) -> tuple[str, ...]:
        return (
            reverse("two_factor_verify"), reverse("two_factor"), reverse("logout"), reverse("login"),
            reverse("set_language"), reverse("admin:logout"), reverse("admin:login"),
            "/" + settings.STATIC_URL.lstrip("/"),
        )

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(self.open_paths):
            # An API call with its own token is not this session's business.
            if not (request.path.startswith("/api/") and request.META.get("HTTP_AUTHORIZATION")):
                step = twofactor.pending_step(request)
                if step is not None:
                    return self._send_to(request, step)
        return self.get_response(request)

    def _send_to(self, request, step):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("Complete the two-factor login in the browser first.")}, status=403)
        target = reverse("two_factor_verify" if step == "verify" else "two_factor")
        return redirect(f"{target}?next={quote(request.get_full_path())}")
