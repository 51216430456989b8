"""Two-factor authentication for agents and admins (django-otp): an authenticator app's codes (TOTP)
and one-time recovery codes (django-otp's static device).

Who owes the second step: every agent or admin who has enrolled, and admins (HELPDESK_2FA_REQUIRED_FOR_ADMINS,
on by default) or agents (HELPDESK_2FA_REQUIRED_FOR_AGENTS) who have not, who are sent to enrolment.
Customers never. tickets.middleware.TwoFactorMiddleware sends a session that owes it to the verify or
enrolment page; these functions are the rules and every write.
"""

import base64
import re

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from helpdesk import sessions

from . import roles

RECOVERY_CODE_COUNT = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"
# The session remembers whether its user has a device, so a page asks the database once per login.
SESSION_HAS_DEVICE = "helpdesk_2fa_device"


def applies_to(user) -> bool:
    """Agents and admins may (or must) use a second factor; customers never."""
    return user.is_authenticated and (user.is_staff or user.is_superuser or roles.is_agent(user))


def is_required(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if (user.is_staff or user.is_superuser) and settings.HELPDESK_2FA_REQUIRED_FOR_ADMINS:
        return True
    return settings.HELPDESK_2FA_REQUIRED_FOR_AGENTS and roles.is_agent(user)


def has_device(user) -> bool:
    return user_has_device(user, confirmed=True)


def remember_device(session, user) -> bool:
    session[SESSION_HAS_DEVICE] = has = applies_to(user) and has_device(user)
    return has


def pending_step(request) -> str | None:
    """What the signed-in user still owes: "verify" (has a device, this session has not passed it),
    "enrol" (required, has none) or None."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return None
    has = request.session.get(SESSION_HAS_DEVICE)
    if has is None:
        has = remember_device(request.session, user)
    if has:
        return "verify"
    if is_required(user):
        return "enrol"
    return None


# --- enrolment ------------------------------------------------------------------------------------


def totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def enrolment_device(user) -> TOTPDevice:
    """The not yet confirmed authenticator the enrolment page shows (the same key until confirmed)."""
    if not applies_to(user):
        raise PermissionDenied(_("Two-factor authentication is for agents and administrators."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def manual_key(device: TOTPDevice) -> str:
    """The key to type into an app that cannot scan: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG (drawn here, no outside service sees the key)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return re.sub(r"^<\?xml[^>]*>\s*", "", svg)


def _clean_code(code: str) -> str:
    return "".join((code or "").split()).lower()


@transaction.atomic
def enrolment_confirm(*, request, device: TOTPDevice, code: str) -> list[str]:
    """The first code from the app proves it holds the key: the authenticator counts from now on, this
    session has passed the second step, and the user gets fresh recovery codes (returned once)."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=request.user)
    code = _clean_code(code)
    if device.confirmed:
        raise ValidationError(_("This authenticator is already set up."))
    if not code.isdigit() or not device.verify_token(code):
        raise ValidationError(_("This code is not right. Enter the six digits your app shows now."))
    TOTPDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_renew(user=request.user)
    otp_login(request, device)
    request.session[SESSION_HAS_DEVICE] = True
    # Other sessions logged in with the password alone: they end, and the next login asks for a code.
    sessions.end_sessions(user=request.user, keep=request.session.session_key)
    return codes


@transaction.atomic
def recovery_codes_renew(*, user) -> list[str]:
    """New recovery codes; the old ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def verify(*, request, code: str):
    """The second step: a code of the app or one recovery code (used up). Wrong codes are refused;
    django-otp slows repeated wrong guesses down per device."""
    code = _clean_code(code)
    device = match_token(request.user, code) if code else None
    if device is None:
        raise ValidationError(_("This code is not right. Enter the code your app shows now, or one of your "
                                "recovery codes."))
    otp_login(request, device)
    return device


@transaction.atomic
def disable(*, request):
    """Turn the second factor off: only for a session that passed it, and not where it is required."""
    user = request.user
    if not user.is_verified():
        raise PermissionDenied(_("Confirm with a code first."))
    if is_required(user):
        raise ValidationError(_("Two-factor authentication is required for your account and cannot be turned off."))
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    request.session[SESSION_HAS_DEVICE] = False
