"""Registering an account without telling anyone whether an address has one.

Both a new and a known address get the same answer ("we have sent you a mail") and a mail to the
address: a new one a link that confirms it and opens the account, a known one "someone tried to
register with your address; if it was you, set a new password here". The mail is recorded in this
transaction through the hook `tickets.signals.registration_requested` (mailchannel's outbox delivers
it after commit), and a known address costs the same password hashing as a new one, so neither the
page nor its timing tells the two apart.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from helpdesk.models import PendingRegistration

from . import services, signals

User = get_user_model()


class RegistrationTokenGenerator(PasswordResetTokenGenerator):
    """A link that confirms an address once: its hash covers the password and the last login, both of
    which change once the account is in use; a salt of its own, so it is no password-reset link."""

    key_salt = "tickets.registration.RegistrationTokenGenerator"


registration_tokens = RegistrationTokenGenerator()


def _link(name: str, user, generator) -> str:
    path = reverse(name, kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                                 "token": generator.make_token(user)})
    return settings.HELPDESK_BASE_URL.rstrip("/") + path


def _is_pending(user) -> bool:
    """Registered and not yet confirmed (within the link's lifetime): such an address gets its link again."""
    since = timezone.now() - timezone.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
    return not user.is_active and PendingRegistration.objects.filter(user=user, created_at__gte=since).exists()


def _language_of(user, fallback: str) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", "") or fallback


@transaction.atomic
def registration_request(*, email: str, password: str, language: str, **details) -> bool:
    """A visitor asks for an account. Returns True whatever the address: the caller answers alike."""
    email = User.objects.normalize_email(email.strip()).lower()
    known = (User.objects.select_related("profile").filter(Q(email__iexact=email) | Q(username__iexact=email))
             .order_by("id").first())
    if known is None:
        user = services.customer_register(email=email, password=password, language=language, **details)
        user.is_active = False
        user.save(update_fields=["is_active"])
        PendingRegistration.objects.create(user=user)
        kind, url, recipient = "confirm", _link("register_confirm", user, registration_tokens), user
    else:
        make_password(password)  # the same work as for a new account: the answer takes as long
        recipient = known
        if _is_pending(known):
            kind, url = "confirm", _link("register_confirm", known, registration_tokens)
        else:
            kind, url = "known", _link("password_reset_confirm", known, default_token_generator)
    signals.registration_requested.send(
        sender=User, user=recipient, address=recipient.email or email, kind=kind, url=url,
        language=_language_of(recipient, language),
    )
    return True


def user_for_link(uidb64: str, token: str):
    """The account a confirmation link opens, or None (unknown, used, expired)."""
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None
    if not _is_pending(user) or not registration_tokens.check_token(user, token):
        return None
    return user


@transaction.atomic
def registration_confirm(*, uidb64: str, token: str):
    """Open the account the link names; returns it, or None if the link does not (any more)."""
    user = user_for_link(uidb64, token)
    if user is None:
        return None
    user.is_active = True
    user.save(update_fields=["is_active"])
    PendingRegistration.objects.filter(user=user).delete()
    return user
