"""Django settings for aquagrowth.

SQLite in ``var/`` is the embedded default so that a fresh clone runs without any
server; production sets ``DATABASE_URL`` (``postgres://...``).

Secure by default: DEBUG is off unless ``DJANGO_DEBUG=1`` asks for it (a developer's
machine, the tests), and outside DEBUG there is no default secret key. Every variable is
listed, with its default, in docs/operations.md.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from aquagrowth.server.localenv import env_file_path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("AQUAGROWTH_VAR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# KEY=value lines that fill in what the process environment leaves unset: bin/demo
# writes var/local.env (this machine's secret, plain HTTP); a server may name its own.
ENV_FILE = env_file_path(VAR_DIR)
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE)
env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set: aquagrowth has no default secret outside DEBUG. "
            "Set DJANGO_SECRET_KEY (e.g. python -c 'import secrets; "
            f"print(secrets.token_urlsafe(50))') in the environment or in {ENV_FILE}; "
            "bin/demo writes one for this machine, DJANGO_DEBUG=1 is for development only. "
            "See docs/operations.md."
        )
    SECRET_KEY = "aquagrowth-development-key-not-for-production"
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Served over HTTPS (a TLS proxy in front): secure cookies, HSTS and the redirect follow
# unless set one by one. Off by default under DEBUG and in the demo's var/local.env.
https = env.bool("AQUAGROWTH_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=https)
# A monitor on the server itself asks over plain HTTP, past the proxy.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=https)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=365 * 86400 if https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_REFERRER_POLICY = env.str("DJANGO_SECURE_REFERRER_POLICY", default="same-origin")
if env.bool("AQUAGROWTH_TLS_PROXY", default=False):
    # Only behind a proxy that sets this header itself, dropping the client's (nginx's
    # proxy_set_header does): otherwise any client could claim HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Every script and style comes from this site's static files: no inline script or style,
# no CDN (the Swagger page's script is a separate request, SpectacularSwaggerSplitView).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The API schema and its docs page need a login unless this says they are public.
AQUAGROWTH_PUBLIC_API_DOCS = env.bool("AQUAGROWTH_PUBLIC_API_DOCS", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # WhiteNoise serves the static files under runserver too, as it does in production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "axes",
    "aquagrowth.farm",
    "aquagrowth.generator",
    "aquagrowth.engine",
    "aquagrowth.distributed",
    "aquagrowth.analysis",
    "aquagrowth.demo",
    "aquagrowth.server",
    "aquagrowth.accounts",
    "aquagrowth.sites",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "aquagrowth.server.gzip.ApiGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "aquagrowth.db.timeouts.StatementTimeoutMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aquagrowth.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "aquagrowth.wsgi.application"

SQLITE_PATH = VAR_DIR / "aquagrowth.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the page read while a recompute writes; the busy timeout lets the
    # runner's worker processes queue for the single writer instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 60,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_aquagrowth.sqlite3")}
else:
    # A database that does not answer fails the connection after this many seconds
    # instead of hanging it (libpq's connect_timeout, whole seconds, at least 2).
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("DATABASE_CONNECT_TIMEOUT", "5")
    )
# Longest statement of a web request (PostgreSQL, aquagrowth.db.timeouts); 0: none.
# Recompute, import and the workers run without one: their statements are long by design.
AQUAGROWTH_WEB_STATEMENT_TIMEOUT_S = float(
    os.environ.get("AQUAGROWTH_WEB_STATEMENT_TIMEOUT_S", "30")
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite builds the plain index.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
# Sending the HSTS preload token consents to browsers' built-in HTTPS list for the whole
# registrable domain: the domain owner's decision (DJANGO_SECURE_HSTS_PRELOAD=1), not a
# default of one application on it; so check --deploy does not ask for it.
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")

LANGUAGE_CODE = "en-gb"
# Farm days are UTC days: every event date and daily state is a UTC calendar day.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# `aquagrowth serve` collects the static files here before it starts (collectstatic).
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns at start when it is missing
# Outside DEBUG, WhiteNoise serves collected files whose names carry a hash of their
# content (cached for a year) with gzip copies; under DEBUG, straight from the finders.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "aquagrowth.server.storage.StaticStorage"
    },
}
# Browser libraries come from node_modules (npm ci in bin/setup), never from a CDN.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "aquagrowth.analysis.staticfinders.NodeModulesFinder",
]

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# Logins: failures counted per (account, address) by django-axes and checked before the
# password is hashed; see aquagrowth/accounts/lockout.py and docs/operations.md
# ("Logins and tokens").
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("AQUAGROWTH_LOGIN_FAILURE_LIMIT", default=5)
AQUAGROWTH_LOGIN_ADDRESS_FAILURE_LIMIT = env.int(
    "AQUAGROWTH_LOGIN_ADDRESS_FAILURE_LIMIT", default=30
)
_LOGIN_COOLOFF_MINUTES = env.float("AQUAGROWTH_LOGIN_COOLOFF_MINUTES", default=15.0)
AXES_COOLOFF_TIME = (
    timedelta(minutes=_LOGIN_COOLOFF_MINUTES) if _LOGIN_COOLOFF_MINUTES > 0 else None
)
AXES_RESET_ON_SUCCESS = True
# A refused attempt is not recorded: it costs reads only, where recording it would append
# its form data to the attempt's row on every try (a row an attacker could grow without
# end). So a lock ends a cool-off after the failure that set it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "aquagrowth.accounts.lockout.AccountAddressHandler"
AXES_CLIENT_IP_CALLABLE = "aquagrowth.accounts.lockout.client_address"
AXES_USERNAME_CALLABLE = "aquagrowth.accounts.lockout.attempt_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AQUAGROWTH_PROXY_COUNT = env.int("AQUAGROWTH_PROXY_COUNT", default=0)
# API: tokens for machine clients, the session for the page; HTTP Basic (a password
# hashed on every request) only when asked for.
AQUAGROWTH_API_BASIC_AUTH = env.bool("AQUAGROWTH_API_BASIC_AUTH", default=False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "aquagrowth.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # A role at least (viewer, operator, manager, or staff): docs/data-in.md, "Roles".
    "DEFAULT_PERMISSION_CLASSES": ["aquagrowth.accounts.roles.CanRead"],
    "DEFAULT_RENDERER_CLASSES": [
        "aquagrowth.analysis.renderers.OrjsonRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 500,
}
if AQUAGROWTH_API_BASIC_AUTH:
    REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"].append(
        "aquagrowth.accounts.authentication.BasicAuthentication"
    )

# The growth answers' cache (docs/operations.md, "Answer cache"): Redis when
# AQUAGROWTH_CACHE_URL is set, else each process's memory. Short timeouts: a cache that
# does not answer at once is skipped, never waited for.
AQUAGROWTH_ANSWER_CACHE = os.environ.get("AQUAGROWTH_ANSWER_CACHE", "1") != "0"
AQUAGROWTH_CACHE_URL = os.environ.get("AQUAGROWTH_CACHE_URL", "")
AQUAGROWTH_CACHE_RETRY_SECONDS = float(os.environ.get("AQUAGROWTH_CACHE_RETRY_SECONDS", "10"))
_CACHE_TIMEOUT_S = float(os.environ.get("AQUAGROWTH_CACHE_TIMEOUT_S", "0.25"))
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "answers": {
        "TIMEOUT": int(os.environ.get("AQUAGROWTH_CACHE_SECONDS", str(24 * 3600))),
        "KEY_PREFIX": os.environ.get("AQUAGROWTH_CACHE_PREFIX", "aquagrowth"),
        **(
            {
                "BACKEND": "aquagrowth.analysis.redis_cache.RedisCache",
                "LOCATION": AQUAGROWTH_CACHE_URL,
                "OPTIONS": {
                    "socket_connect_timeout": _CACHE_TIMEOUT_S,
                    "socket_timeout": _CACHE_TIMEOUT_S,
                },
            }
            if AQUAGROWTH_CACHE_URL
            else {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "aquagrowth-answers",
                "OPTIONS": {"MAX_ENTRIES": 500},
            }
        ),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "aquagrowth API",
    "DESCRIPTION": "Actual daily states, scenario and forward projections of salmon batches.",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui-dist",
    "SWAGGER_UI_FAVICON_HREF": "/static/vendor/swagger-ui-dist/favicon-32x32.png",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "aquagrowth": {
            "handlers": ["console"],
            "level": os.environ.get("AQUAGROWTH_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
        # Outside DEBUG Django prints no error; the 500 page tells the user it was logged.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# Celery: without a broker, tasks run in-process (eager) so the demo needs no server.
# Production sets CELERY_BROKER_URL, usually redis://127.0.0.1:6379/0 (RabbitMQ:
# amqp://guest:guest@127.0.0.1:5672//). See docs/operations.md.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_RESULT_BACKEND = os.environ.get(
    "CELERY_RESULT_BACKEND",
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else "rpc://",
)
CELERY_RESULT_EXPIRES = 24 * 3600
# A task is acknowledged only after it finished, so a worker that dies mid-batch leaves
# the message to be redelivered; one reserved task per process keeps that loss small.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers an unacknowledged task after this many seconds; it must exceed the
# longest recompute (a duplicate run is harmless under the batch lock, only wasted).
# Every connection to Redis or the broker gives up after these many seconds, to connect
# and then per operation, so that a frozen or unreachable broker costs a save about that
# long instead of hanging it (docs/operations.md, "When a part fails").
AQUAGROWTH_BROKER_CONNECT_TIMEOUT_S = float(
    os.environ.get("AQUAGROWTH_BROKER_CONNECT_TIMEOUT_S", "0.5")
)
AQUAGROWTH_BROKER_TIMEOUT_S = float(os.environ.get("AQUAGROWTH_BROKER_TIMEOUT_S", "0.5"))
CELERY_BROKER_CONNECTION_TIMEOUT = AQUAGROWTH_BROKER_CONNECT_TIMEOUT_S
CELERY_BROKER_POOL_ACQUIRE_TIMEOUT = AQUAGROWTH_BROKER_TIMEOUT_S
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    # A sender connects once (kombu's default: retry every 2 s); it fails the send, and
    # the failure is noted as a failed run. Workers reconnect by their own policy.
    "max_retries": 0,
    # Redis (kombu's redis transport):
    "socket_connect_timeout": AQUAGROWTH_BROKER_CONNECT_TIMEOUT_S,
    "socket_timeout": AQUAGROWTH_BROKER_TIMEOUT_S,
    # RabbitMQ (py-amqp); each transport ignores the other's keys.
    "read_timeout": AQUAGROWTH_BROKER_TIMEOUT_S,
    "write_timeout": AQUAGROWTH_BROKER_TIMEOUT_S,
    **json.loads(os.environ.get("CELERY_BROKER_TRANSPORT_OPTIONS", "{}")),
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = AQUAGROWTH_BROKER_CONNECT_TIMEOUT_S
CELERY_REDIS_SOCKET_TIMEOUT = AQUAGROWTH_BROKER_TIMEOUT_S
# The result backend retries a lost connection 3 times within about 2 s (Celery's
# default: 20 times, 19 s, then an empty RuntimeError).
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 3, "interval_start": 0, "interval_step": 0.5,
                     "interval_max": 1},
}  # fmt: skip
CELERY_BEAT_SCHEDULE = {
    "recompute-recent-days": {
        "task": "aquagrowth.recompute_recent",
        "schedule": crontab(hour=int(os.environ.get("AQUAGROWTH_NIGHTLY_HOUR", "2")), minute=15),
    },
    # Runs left "running" by a process that died are marked failed (aquagrowth.engine.stale).
    "sweep-stale-runs": {"task": "aquagrowth.sweep_stale_runs", "schedule": crontab(minute="*/10")},
    # Every alert rule for the whole farm, after the nightly recompute (docs/sites.md).
    "evaluate-alerts": {
        "task": "aquagrowth.evaluate_alerts",
        "schedule": crontab(hour=5, minute=0),
    },
}
# Alert mail (docs/sites.md): the console in development, SMTP otherwise.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "aquagrowth@localhost")
# SQLite only (PostgreSQL asks the batch's lock): a run still running this long after it
# started was left by a process that died.
AQUAGROWTH_STALE_RUN_S = float(os.environ.get("AQUAGROWTH_STALE_RUN_S", "3600"))
# Events within this many seconds of the first one for a batch share one recompute.
AQUAGROWTH_COALESCE_SECONDS = float(os.environ.get("AQUAGROWTH_COALESCE_SECONDS", "2"))
# Where pending recompute days live (Redis URL); default: the broker when it is Redis.
AQUAGROWTH_PENDING_URL = os.environ.get("AQUAGROWTH_PENDING_URL", "")
# Longest wait for another worker's lock on the same batch before the task retries.
AQUAGROWTH_BATCH_LOCK_TIMEOUT_S = float(os.environ.get("AQUAGROWTH_BATCH_LOCK_TIMEOUT_S", "600"))
# Evaluate the alert rules for a batch after each of its recomputes (docs/sites.md).
AQUAGROWTH_ALERTS_AFTER_RECOMPUTE = os.environ.get("AQUAGROWTH_ALERTS_AFTER_RECOMPUTE", "1") == "1"
