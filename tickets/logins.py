"""Login protection (django-axes): who a login attempt is counted for, and what a locked-out person reads.

Axes counts failed logins per account and per address (settings AXES_*, from HELPDESK_LOGIN_FAILURES and
HELPDESK_LOGIN_COOLOFF_MINUTES) on every login form that goes through Django's `authenticate`: ours,
the admin's. These hooks make the count hard to dodge (one account however it is spelled) and answer
a lockout in the reader's language with the time to wait, as a page or, under /api/, as JSON.
"""

import math

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Q
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def client_ip(request) -> str:
    """The caller's address: REMOTE_ADDR, or behind HELPDESK_TRUSTED_PROXIES proxies the address the
    outermost trusted proxy saw (counted from the right of X-Forwarded-For, which a client can only
    prepend to)."""
    proxies = settings.HELPDESK_TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def login_name(request, credentials) -> str:
    """One name per account, however it was typed: "Alice@Example.com " and "alice@example.com" and
    the account's user name count as one."""
    typed = ((credentials or {}).get("username") or (request.POST.get("username") if request else "") or "").strip()
    if not typed:
        return ""
    user_model = get_user_model()
    username = (user_model._default_manager.filter(Q(username__iexact=typed) | Q(email__iexact=typed))
                .order_by("id").values_list("username", flat=True).first())
    return (username or typed).lower()


def wait_remaining(request, credentials=None):
    """How long this account and address stay locked (a timedelta, at least a minute)."""
    from axes.models import AccessAttempt

    cooloff = settings.AXES_COOLOFF_TIME
    name = login_name(request, credentials)
    address = client_ip(request)
    limit = settings.AXES_FAILURE_LIMIT
    latest = (AccessAttempt.objects.filter(Q(username=name) | Q(ip_address=address), failures_since_start__gte=limit)
              .aggregate(latest=Max("attempt_time"))["latest"])
    remaining = (latest + cooloff - timezone.now()) if latest else cooloff
    return max(remaining, timezone.timedelta(minutes=1))


def lockout_message(remaining) -> str:
    minutes = max(1, math.ceil(remaining.total_seconds() / 60))
    return ngettext(
        "Too many failed logins. For your protection this account is locked for %(minutes)d more minute. "
        "Please try again later or ask an administrator to unlock it.",
        "Too many failed logins. For your protection this account is locked for %(minutes)d more minutes. "
        "Please try again later or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """Axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): 429 with Retry-After and our words."""
    remaining = wait_remaining(request, credentials)
    message = lockout_message(remaining)
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=status)
    else:
        response = render(request, "registration/locked_out.html",
                          {"message": message, "title": _("Login locked")}, status=status)
    response["Retry-After"] = str(math.ceil(remaining.total_seconds()))
    return response
