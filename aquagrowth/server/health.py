"""``/health/``: can this server answer, and did last night's recompute run?

For a monitor that polls every minute or so, without a login: the answer names each
part and its state, never a host, a URL, a password or an error text (those go to the
log). 200 when the database and the broker answer, 503 when either does not; last
night's recompute is reported, not judged, since the site works without it (a monitor
alerts on ``nightly.status`` by itself, see docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection
from kombu.exceptions import KombuError

from aquagrowth.engine.models import RecomputeRun

log = logging.getLogger("aquagrowth.health")

BROKER_TIMEOUT_S = 1.0
"""Longest wait for the broker, so that a frozen broker cannot hold a health check."""
NIGHT = dt.timedelta(hours=12)
"""Beat runs this close before the latest one belong to the same night."""


def check_database() -> dict[str, Any]:
    """One ``SELECT 1`` on the default database."""
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        log.warning("health: database unreachable: %s", error)
        return {"ok": False, "error": "unreachable"}
    return {"ok": True, "ms": _ms(started)}


def check_broker() -> dict[str, Any]:
    """Connect to the Celery broker (one try, short timeouts); in-process without one."""
    url = settings.CELERY_BROKER_URL
    if not url:
        return {"ok": True, "mode": "in-process (no broker configured)"}
    options = {
        **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        "socket_timeout": BROKER_TIMEOUT_S,
        "socket_connect_timeout": BROKER_TIMEOUT_S,
        "max_retries": 0,
    }
    started = time.monotonic()
    try:
        with Connection(url, connect_timeout=BROKER_TIMEOUT_S, transport_options=options) as c:
            c.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_S)
    except (KombuError, OSError) as error:
        log.warning("health: broker unreachable: %s", error)
        reason = "timed out" if "time" in str(error).lower() else "unreachable"
        return {"ok": False, "error": reason}
    return {"ok": True, "ms": _ms(started)}


def last_nightly() -> dict[str, Any]:
    """The runs of the latest night's sweep (trigger ``beat``): when, and how they went."""
    latest = RecomputeRun.objects.filter(trigger="beat").order_by("-started_at").first()
    if latest is None:
        return {"status": "never"}
    runs = list(
        RecomputeRun.objects.filter(
            trigger="beat", started_at__gt=latest.started_at - NIGHT
        ).values_list("status", "started_at")
    )
    counts = Counter(status for status, _ in runs)
    status = "failed" if counts["failed"] else "running" if counts["running"] else "ok"
    return {
        "status": status,
        "started_at": min(started for _, started in runs).isoformat(),
        "hours_ago": round((timezone.now() - latest.started_at).total_seconds() / 3600, 1),
        "runs": dict(counts),
    }


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """The three checks as JSON; 503 when the database or the broker does not answer."""
    database = check_database()
    broker = check_broker()
    nightly = last_nightly() if database["ok"] else {"status": "unknown"}
    ok = database["ok"] and broker["ok"]
    body = {"status": "ok" if ok else "failing", "database": database, "broker": broker}
    body["nightly"] = nightly
    return JsonResponse(body, status=200 if ok else 503)


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)
