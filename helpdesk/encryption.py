"""Secrets the helpdesk must keep but never show (a mailbox's IMAP and SMTP passwords), encrypted at
rest with Fernet (AES-128-CBC + HMAC-SHA256, from the `cryptography` package).

The keys come from the environment, never from the database: `HELPDESK_ENCRYPTION_KEYS` holds one
or more Fernet keys separated by commas. The first encrypts; all of them decrypt, so a key is
rotated by putting a new one in front and re-saving the rows. Without the variable (local
development, tests) a key is derived from SECRET_KEY; production settings refuse to start without it.
"""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _

PREFIX = "fernet:"


@cache
def _fernet() -> MultiFernet:
    keys = [k.strip() for k in getattr(settings, "HELPDESK_ENCRYPTION_KEYS", []) if k.strip()]
    if not keys:
        digest = hashlib.sha256(("helpdesk-encryption:" + settings.SECRET_KEY).encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(f"HELPDESK_ENCRYPTION_KEYS holds a key that is not a Fernet key: {error}") from error


def encrypt(value: str) -> str:
    return PREFIX + _fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    if not value.startswith(PREFIX):
        return value
    try:
        return _fernet().decrypt(value[len(PREFIX):].encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with HELPDESK_ENCRYPTION_KEYS: was the key changed "
            "without keeping the old one after it?"
        ) from error


class EncryptedTextField(models.TextField):
    """A text column that holds only ciphertext; Python code reads and writes the plain value."""

    description = _("Encrypted text")

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
