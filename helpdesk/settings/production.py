"""Production: everything secret or host-specific must come from the environment."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
# The SMTP server as one URL (smtp+tls://user:password@host:587) or, without it, EMAIL_HOST and the
# other EMAIL_* variables of the base settings.
if env("EMAIL_URL", default=""):
    EMAIL_URL = env.email_url("EMAIL_URL")
    EMAIL_HOST = EMAIL_URL["EMAIL_HOST"]
    EMAIL_PORT = EMAIL_URL["EMAIL_PORT"]
    EMAIL_HOST_USER = EMAIL_URL["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = EMAIL_URL["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = EMAIL_URL.get("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = EMAIL_URL.get("EMAIL_USE_SSL", False)
# Mailbox passwords are encrypted with these keys; without them they would hang on SECRET_KEY alone.
HELPDESK_ENCRYPTION_KEYS = env.list("HELPDESK_ENCRYPTION_KEYS")
