"""The helpdesk's own error answers: our pages in the reader's language, JSON under /api/.

Django calls the handlers of helpdesk/urls.py (handler400 ... handler500) for errors raised while a
request is answered, also for those before URL routing (a foreign Host header raises DisallowedHost
in CommonMiddleware), so the path decides: under /api/ the answer is `{"detail": "..."}` like every
API error, elsewhere one of templates/400.html, 403.html, 404.html, 413.html, 500.html.

Django answers a body over DATA_UPLOAD_MAX_MEMORY_SIZE (RequestDataTooBig) with a 400; here it is
a 413 with the limit in words. RequestLimitsMiddleware refuses such a body by its Content-Length
before anything reads it (DRF's JSON parser reads the stream without Django's check), and an API
address longer than MAX_URI_LENGTH with a JSON 414, below gunicorn's own limit (scripts/run.sh).
Pages take longer addresses up to gunicorn's limit: the portal's article suggestions send what the
customer is writing as query parameters.
"""

import base64
import hashlib
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import defaults

# Longest API path with query string answered; gunicorn refuses request lines over its
# limit_request_line (8190 bytes, helpdesk/gunicorn_conf.py) with its own 414 before Django sees them.
MAX_URI_LENGTH = 4096


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def body_limit_words() -> dict:
    return {
        "max": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
        "file_max": filesizeformat(settings.HELPDESK_MAX_ATTACHMENT_BYTES),
        "files": settings.HELPDESK_MAX_ATTACHMENTS,
    }


def _api_detail(status: int) -> str:
    if status == 400:
        return _("Bad request.")
    if status == 403:
        return _("You do not have permission to perform this action.")
    if status == 404:
        return _("Not found.")
    if status == 413:
        words = body_limit_words()
        return ngettext("The request is too large: at most %(max)s of data besides at most %(files)d attachment "
                        "of %(file_max)s.",
                        "The request is too large: at most %(max)s of data besides at most %(files)d attachments "
                        "of %(file_max)s each.", words["files"]) % words
    if status == 414:
        return _("The address is too long: at most %(max)d characters.") % {"max": MAX_URI_LENGTH}
    return _("Server error. Please try again later.")


def _json(status: int) -> JsonResponse:
    return JsonResponse({"detail": _api_detail(status)}, status=status)


def too_large(request):
    if is_api(request):
        return _json(413)
    return HttpResponse(loader.render_to_string("413.html", body_limit_words(), request), status=413)


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return too_large(request)
    if is_api(request):
        return _json(400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if is_api(request):
        return _json(403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception=None):
    if is_api(request):
        return _json(404)
    return defaults.page_not_found(request, exception)


_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def server_error(request):
    """templates/500.html needs no database, request context or static files; its one <style>
    element is allowed by its hash in this answer's Content-Security-Policy."""
    if is_api(request):
        return _json(500)
    response = defaults.server_error(request)
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'"
              for css in _STYLE.findall(response.content.decode())]
    if hashes:
        response._csp_update = {"style-src": hashes}
    return response


class RequestLimitsMiddleware:
    """A body larger than the helpdesk takes is refused by its Content-Length before it is read
    (413: our page, or JSON under /api/), an over-long API address with a JSON 414. Between
    LocaleMiddleware and the views (process_view), so the page is in the reader's language, with
    their navigation."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api(request) and len(request.get_full_path()) > MAX_URI_LENGTH:
            return _json(414)
        return self.get_response(request)

    @staticmethod
    def body_limit(request) -> int:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request.content_type == "multipart/form-data":
            # Files do not count against DATA_UPLOAD_MAX_MEMORY_SIZE; their own limits do.
            limit += settings.HELPDESK_MAX_ATTACHMENTS * settings.HELPDESK_MAX_ATTACHMENT_BYTES
        return limit

    def process_view(self, request, view, args, kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return bad_request(request)
        if settings.DATA_UPLOAD_MAX_MEMORY_SIZE is not None and length > self.body_limit(request):
            return too_large(request)
        return None
