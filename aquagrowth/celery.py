"""The Celery application of aquagrowth.

Workers start with ``celery -A aquagrowth worker``; every ``CELERY_*`` Django setting
configures the app, so one environment (``DATABASE_URL``, ``CELERY_BROKER_URL``) sets up
the web process, the workers and beat alike. Without a broker the settings make tasks
run in-process, so nothing here needs a server.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aquagrowth.settings")

app = Celery("aquagrowth")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
