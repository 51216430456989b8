"""pytest settings: the real PostgreSQL and Redis of the machine, nothing mocked."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The test run owns a Redis database of its own, so it never eats or leaves messages for `make run`.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/14")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="redis://127.0.0.1:6379/14")
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Each test run counts rate limits on its own, in memory; the throttling tests set small rates.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
          "template_fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments"}}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "customer": "100000/min", "agent": "100000/min"}}  # noqa: F405
# Tests log admins in with force_login (no second step); tests/tickets/test_two_factor.py turns the
# requirement on (the product's default, tested there) for the tests of enforcement.
HELPDESK_2FA_REQUIRED_FOR_ADMINS = env.bool("HELPDESK_2FA_REQUIRED_FOR_ADMINS", default=False)
