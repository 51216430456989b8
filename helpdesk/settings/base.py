"""Settings shared by every environment, read from environment variables with safe local defaults.

local.py (development, `make run`), test.py (pytest) and production.py import this module and
change only what differs.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-development-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Names admins enter (categories, tiers) in every language (tickets/translation.py); before the
    # admin, whose forms it extends.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Login protection (lockout after failed logins) and the second factor (TOTP, recovery codes).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.postgres",
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "helpdesk",
    "tickets",
    "escalation",
    "knowledgebase",
    "mailchannel",
    "problems",
    "macros",
    # Who changed which configuration, when, from what to what (privacy/auditing.py registers the models).
    "auditlog",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every answer (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # 413 for a body over the limits, 414 for an over-long address: our page, JSON under /api/.
    "helpdesk.web.errors.RequestLimitsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(); then agents and admins who owe the second step are sent to it.
    "django_otp.middleware.OTPMiddleware",
    "tickets.middleware.TwoFactorMiddleware",
    # Names the signed-in user as the actor of the audit log's entries.
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out login (AxesStandaloneBackend) into our lockout page (tickets/logins.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tickets.context_processors.user_roles",
                "escalation.context_processors.unread_notifications",
                "privacy.context_processors.legal_links",
            ],
        },
    },
]

# DATABASE_URL wins; DJANGO_DB_NAME lets a Celery worker in the tests point at pytest's test database.
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://app:app@127.0.0.1:5432/helpdesk"),
}
if env("DJANGO_DB_NAME", default=""):
    DATABASES["default"]["NAME"] = env("DJANGO_DB_NAME")
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Short OLTP queries: JIT compilation costs more than it saves (tens of ms on a search plan).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 first: new and changed passwords are hashed with it, older hashes are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "tickets.auth.EmailOrUsernameBackend",
    "tickets.auth.TierPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
# A name not entered in the reader's language is shown in English, or else in German.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("en", "de")}
FORMAT_MODULE_PATH = ["helpdesk.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("DJANGO_TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Attachments: one file may not exceed this size; the form and the API say so in plain words.
HELPDESK_MAX_ATTACHMENT_BYTES = env.int("HELPDESK_MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024)
HELPDESK_MAX_ATTACHMENTS = 5
HELPDESK_REFERENCE_PREFIX = env("HELPDESK_REFERENCE_PREFIX", default="HD")
# What a new tier at the 3rd level or above may do besides working tickets (Tier.permissions): review
# articles and keep the configuration the 3rd level knows best. An admin changes it per tier later.
HELPDESK_TOP_LEVEL = 3
HELPDESK_TOP_LEVEL_PERMISSIONS = [
    "knowledgebase.review_article",
    "tickets.add_category", "tickets.change_category", "tickets.view_category",
    "escalation.add_escalationrule", "escalation.change_escalationrule", "escalation.delete_escalationrule",
    "escalation.view_escalationrule",
    "escalation.add_slapolicy", "escalation.change_slapolicy", "escalation.view_slapolicy",
    "escalation.add_slatarget", "escalation.change_slatarget", "escalation.delete_slatarget",
    "escalation.view_slatarget",
    "escalation.add_schedule", "escalation.change_schedule", "escalation.view_schedule",
    "escalation.add_businessinterval", "escalation.change_businessinterval",
    "escalation.delete_businessinterval", "escalation.view_businessinterval",
    "escalation.add_holiday", "escalation.change_holiday", "escalation.delete_holiday", "escalation.view_holiday",
    # Problem management: record problems, publish workarounds, resolve, propose changes.
    "problems.add_problem", "problems.change_problem", "problems.add_changeproposal",
]
# Resolving a problem solves its linked tickets; False leaves them open at their level, to confirm the
# fix with each customer first.
HELPDESK_PROBLEM_SOLVES_TICKETS = True
# A problem's broadcast (workaround or resolution to every linked ticket): how many workers share it,
# how many tickets each answers per transaction, and after how long without progress beat hands an
# unfinished one to a live worker (its worker was killed or its task lost).
# Candidate problems: tickets of the last days that resemble each other or were solved with the same
# article, proposed to the 3rd level in groups of at least this many (the newest tickets up to the limit).
HELPDESK_PROBLEM_CANDIDATE_DAYS = env.int("HELPDESK_PROBLEM_CANDIDATE_DAYS", default=14)
HELPDESK_PROBLEM_CANDIDATE_MIN_TICKETS = env.int("HELPDESK_PROBLEM_CANDIDATE_MIN_TICKETS", default=3)
HELPDESK_PROBLEM_CANDIDATE_LIMIT = env.int("HELPDESK_PROBLEM_CANDIDATE_LIMIT", default=500)
HELPDESK_BROADCAST_PARALLELISM = env.int("HELPDESK_BROADCAST_PARALLELISM", default=2)
HELPDESK_BROADCAST_BATCH = env.int("HELPDESK_BROADCAST_BATCH", default=100)
HELPDESK_BROADCAST_STALE_SECONDS = env.float("HELPDESK_BROADCAST_STALE_SECONDS", default=60.0)
# A request body may carry all attachments at their maximum plus the form fields.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Content-Security-Policy (django-csp): scripts, styles, fonts and requests from our own origin only,
# no inline script, handler or style (the pages' behaviour is in static files, helpdesk/app.js), no
# plugins, never framed, forms post only to us. Images may also be data: URLs, which is how
# Bootstrap's CSS draws its small icons (select arrows, close buttons); an image cannot run script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=str(BASE_DIR / ".local" / "mail"))
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Helpdesk <helpdesk@localhost>")
HELPDESK_BASE_URL = env("HELPDESK_BASE_URL", default="http://127.0.0.1:8000")
# Personal data (privacy/): closed tickets older than this many days are anonymised by a beat task
# (an organisation may have its own period, privacy.RetentionPolicy); the footer's imprint and privacy
# links (empty privacy URL: the helpdesk's own notice at /privacy/; empty imprint URL: no link).
HELPDESK_RETENTION_DAYS = env.int("HELPDESK_RETENTION_DAYS", default=730)
HELPDESK_RETENTION_BATCH = 200
HELPDESK_IMPRINT_URL = env("HELPDESK_IMPRINT_URL", default="")
HELPDESK_PRIVACY_URL = env("HELPDESK_PRIVACY_URL", default="")
# Fernet keys (comma-separated, newest first) that encrypt mailbox passwords at rest; see helpdesk/encryption.py.
HELPDESK_ENCRYPTION_KEYS = env.list("HELPDESK_ENCRYPTION_KEYS", default=[])
# Django's SMTP backend, used when DJANGO_EMAIL_BACKEND names it and a mailbox has no server of its own.
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# The shared cache (API rate limits): Redis, so that all web processes see the same counts.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", default=REDIS_URL.rsplit("/", 1)[0] + "/1"),
        "KEY_PREFIX": "helpdesk",
    },
    # {% cache %} fragments, in each process's memory: their keys name everything they are drawn
    # from (e.g. the version of the reference lists), so nothing has to be dropped across processes.
    "template_fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "template-fragments",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}
# Sessions are read from Redis on every request and written through to PostgreSQL, so a flushed
# cache logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# The SLA sweep: due moments live in PostgreSQL; this only decides how soon after one we look.
HELPDESK_SWEEP_SECONDS = env.float("HELPDESK_SWEEP_SECONDS", default=10.0)
# How many worker processes may sweep at once when a backlog builds up (e.g. many breaches at 9:00).
HELPDESK_SWEEP_PARALLELISM = env.int("HELPDESK_SWEEP_PARALLELISM", default=2)
# How often beat fetches the IMAP mailboxes (seconds).
HELPDESK_MAIL_FETCH_SECONDS = env.float("HELPDESK_MAIL_FETCH_SECONDS", default=30.0)
# How many worker processes fetch one mailbox at once (each takes its share of the UIDs).
HELPDESK_MAIL_FETCH_PARALLELISM = env.int("HELPDESK_MAIL_FETCH_PARALLELISM", default=2)
CELERY_BEAT_SCHEDULE = {
    "sla-sweep": {
        "task": "escalation.tasks.sweep",
        "schedule": HELPDESK_SWEEP_SECONDS,
        # A sweep that could not start in time is pointless: the next one is already on its way.
        "options": {"expires": HELPDESK_SWEEP_SECONDS},
    },
    # Mail: fetch every IMAP mailbox; deliver outbox rows whose on-commit task was lost or whose retry is due.
    "mail-fetch": {
        "task": "mailchannel.tasks.fetch_all_mailboxes",
        "schedule": HELPDESK_MAIL_FETCH_SECONDS,
        "options": {"expires": HELPDESK_MAIL_FETCH_SECONDS},
    },
    "mail-outbox": {"task": "mailchannel.tasks.sweep_outbox", "schedule": 30.0, "options": {"expires": 30.0}},
    # Publishing refreshes it at once; this catches titles edited in place.
    "kb-title-words": {"task": "knowledgebase.tasks.refresh_title_words", "schedule": 3600.0},
    # Retention: anonymise closed tickets past their period, in batches (privacy.tasks.apply_retention).
    # Problems: resume a workaround or resolution broadcast whose worker died.
    "problem-broadcasts": {"task": "problems.tasks.resume_broadcasts", "schedule": HELPDESK_BROADCAST_STALE_SECONDS,
                           "options": {"expires": HELPDESK_BROADCAST_STALE_SECONDS}},
    "privacy-retention": {"task": "privacy.tasks.apply_retention", "schedule": 3600.0, "options": {"expires": 3600.0}},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous call gets 401 with a WWW-Authenticate header rather than 403.
        # DRF's own, answering in the caller's profile language when the call names none.
        "helpdesk.api.authentication.TokenAuthentication",
        "helpdesk.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "helpdesk.api.pagination.PagePagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "PAGE_SIZE": 25,
    "EXCEPTION_HANDLER": "helpdesk.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "helpdesk.api.throttling.AnonThrottle",
        "helpdesk.api.throttling.CustomerRateThrottle",
        "helpdesk.api.throttling.AgentRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("HELPDESK_API_RATE_ANON", default="120/min"),
        "customer": env("HELPDESK_API_RATE_CUSTOMER", default="600/min"),
        "agent": env("HELPDESK_API_RATE_AGENT", default="6000/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": "Tickets, their timeline and tiered escalation for a three-level support team.",
    "VERSION": "1.0.0",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "helpdesk.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TicketEventKindEnum": "tickets.models.EventKind",
        "ClockEventKindEnum": "escalation.models.ClockEventKind",
        "TicketStatusEnum": "tickets.models.Status",
        "TicketPriorityEnum": "tickets.models.Priority",
        "ChannelEnum": "tickets.models.Channel",
        "SlaMetricEnum": "escalation.models.Metric",
        "ClockStateEnum": "escalation.models.ClockState",
        "ArticleStateEnum": "knowledgebase.models.ArticleState",
        "ArticleLinkKindEnum": "knowledgebase.models.LinkKind",
        "ArticleAudienceEnum": "knowledgebase.models.Audience",
        "ArticleLanguageEnum": "knowledgebase.models.Language",
        "ProblemStatusEnum": "problems.models.ProblemStatus",
        "ChangeProposalStatusEnum": "problems.models.ProposalStatus",
        "ChangeProposalRiskEnum": "problems.models.Risk",
        "BroadcastKindEnum": "problems.models.BroadcastKind",
    },
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI is served from our own static files (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
FORM_RENDERER = "helpdesk.forms.FormRenderer"

# --- Login protection and two-factor authentication (README: "Login protection and 2FA") ---------
# After this many failed logins for one account, or from one address, further logins are refused
# for the cool-off time (also the right password); an admin unlocks at once in the admin
# (Axes > Access attempts: delete the entry).
from datetime import timedelta  # noqa: E402

HELPDESK_LOGIN_FAILURES = env.int("HELPDESK_LOGIN_FAILURES", default=5)
HELPDESK_LOGIN_COOLOFF_MINUTES = env.int("HELPDESK_LOGIN_COOLOFF_MINUTES", default=15)
# How many reverse proxies in front of the app append to X-Forwarded-For (0: REMOTE_ADDR is the client).
HELPDESK_TRUSTED_PROXIES = env.int("HELPDESK_TRUSTED_PROXIES", default=0)
AXES_FAILURE_LIMIT = HELPDESK_LOGIN_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=HELPDESK_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "tickets.logins.login_name"
AXES_CLIENT_IP_CALLABLE = "tickets.logins.client_ip"
AXES_LOCKOUT_CALLABLE = "tickets.logins.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Second factor: admins must enrol (default), agents may (or must, with the setting); customers never.
HELPDESK_2FA_REQUIRED_FOR_ADMINS = env.bool("HELPDESK_2FA_REQUIRED_FOR_ADMINS", default=True)
HELPDESK_2FA_REQUIRED_FOR_AGENTS = env.bool("HELPDESK_2FA_REQUIRED_FOR_AGENTS", default=False)
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = env("HELPDESK_2FA_ISSUER", default="Helpdesk")
# The admin removes a lost device but never sees anyone's key, QR code or recovery codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
