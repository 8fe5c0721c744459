"""Django settings for aquagrowth.

SQLite in ``var/`` is the embedded default so that a fresh clone runs without any
server; production sets ``DATABASE_URL`` (``postgres://...``).
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("AQUAGROWTH_VAR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "aquagrowth-development-key-not-for-production")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
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
    "aquagrowth.accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite builds the plain index.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

LANGUAGE_CODE = "en-gb"
# Farm days are UTC days: every event date and daily state is a UTC calendar day.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
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
AXES_FAILURE_LIMIT = int(os.environ.get("AQUAGROWTH_LOGIN_FAILURE_LIMIT", "5"))
AQUAGROWTH_LOGIN_ADDRESS_FAILURE_LIMIT = int(
    os.environ.get("AQUAGROWTH_LOGIN_ADDRESS_FAILURE_LIMIT", "30")
)
_LOGIN_COOLOFF_MINUTES = float(os.environ.get("AQUAGROWTH_LOGIN_COOLOFF_MINUTES", "15"))
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
AQUAGROWTH_PROXY_COUNT = int(os.environ.get("AQUAGROWTH_PROXY_COUNT", "0"))
# API: tokens for machine clients, the session for the page; HTTP Basic (a password
# hashed on every request) only when asked for.
AQUAGROWTH_API_BASIC_AUTH = os.environ.get("AQUAGROWTH_API_BASIC_AUTH", "0") == "1"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "aquagrowth.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 500,
}
if AQUAGROWTH_API_BASIC_AUTH:
    REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"].append(
        "aquagrowth.accounts.authentication.BasicAuthentication"
    )

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
        }
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
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    **json.loads(os.environ.get("CELERY_BROKER_TRANSPORT_OPTIONS", "{}")),
}
CELERY_BEAT_SCHEDULE = {
    "recompute-recent-days": {
        "task": "aquagrowth.recompute_recent",
        "schedule": crontab(hour=int(os.environ.get("AQUAGROWTH_NIGHTLY_HOUR", "2")), minute=15),
    },
}
# Events within this many seconds of the first one for a batch share one recompute.
AQUAGROWTH_COALESCE_SECONDS = float(os.environ.get("AQUAGROWTH_COALESCE_SECONDS", "2"))
# Where pending recompute days live (Redis URL); default: the broker when it is Redis.
AQUAGROWTH_PENDING_URL = os.environ.get("AQUAGROWTH_PENDING_URL", "")
# Longest wait for another worker's lock on the same batch before the task retries.
AQUAGROWTH_BATCH_LOCK_TIMEOUT_S = float(os.environ.get("AQUAGROWTH_BATCH_LOCK_TIMEOUT_S", "600"))
