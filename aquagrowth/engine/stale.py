"""Runs left ``running`` by a process that died are marked failed.

A recompute stores its run as ``running`` before it computes and closes it when done. A
process killed in between (SIGKILL, out of memory, a machine that lost power) cannot
close it, and the admin would show it running for ever. :func:`sweep_stale_runs` finds
such runs and marks them failed; ``aquagrowth recompute`` calls it before it starts, and
Celery beat every 10 minutes (``aquagrowth.sweep_stale_runs`` in the settings'
``CELERY_BEAT_SCHEDULE``), on any machine.

When is a run stale?

- **PostgreSQL**: when its batch's lock is free. Every recompute holds the batch's
  session-level advisory lock from before it stores its run until it has closed it
  (:func:`aquagrowth.engine.runner.recompute_batch`), and PostgreSQL releases a session's
  locks when the session ends, however its process died. A running run whose lock the
  sweep can take has no process left: exact, at once, whatever the run's age, and the
  sweep holds the lock while it marks, so no new run of the batch starts meanwhile.
- **SQLite** (no advisory locks, one machine): when it started more than
  ``AQUAGROWTH_STALE_RUN_S`` ago (default one hour, far beyond any batch's recompute).
  A run is not given a heartbeat: its process writes in one long transaction, and
  SQLite's single writer would make a heartbeat wait for the very run it reports on.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import connection
from django.utils import timezone

from aquagrowth.engine.locks import LOCK_NAMESPACE, batch_lock_key
from aquagrowth.engine.models import RecomputeRun, RecomputeStatus

log = logging.getLogger("aquagrowth.engine.stale")


def sweep_stale_runs() -> int:
    """Mark failed every run left ``running`` by a dead process; the number marked."""
    marked = _sweep_unlocked() if connection.vendor == "postgresql" else _sweep_old()
    if marked:
        log.warning("%d recompute run(s) left running by a dead process marked failed", marked)
    return marked


def _close(runs, error: str) -> int:
    """Mark ``runs`` (still running) failed with ``error``; how many were. Read first:
    on SQLite even an update of no row waits for the database's one writer."""
    runs = runs.filter(status=RecomputeStatus.RUNNING)
    if not runs.exists():
        return 0
    return runs.update(status=RecomputeStatus.FAILED, finished_at=timezone.now(), error=error)


_DIED_UNLOCKED = (
    "the process running this recompute died (killed, out of memory or its machine "
    "stopped) before it finished (the batch keeps the rows of its last recompute that "
    "committed); found by a sweep: the batch's lock was free"
)


def _sweep_unlocked() -> int:
    """PostgreSQL: the running runs of each batch whose advisory lock is free."""
    running = RecomputeRun.objects.filter(status=RecomputeStatus.RUNNING)
    marked = 0
    for batch_id in running.values_list("batch_id", flat=True).distinct():
        key = (LOCK_NAMESPACE, batch_lock_key(batch_id))
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
            if not cursor.fetchone()[0]:
                continue  # a live process is recomputing the batch
            try:
                marked += _close(running.filter(batch_id=batch_id), _DIED_UNLOCKED)
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
    return marked


def _sweep_old() -> int:
    """SQLite: the runs still running ``AQUAGROWTH_STALE_RUN_S`` after they started."""
    limit = dt.timedelta(seconds=settings.AQUAGROWTH_STALE_RUN_S)
    old = RecomputeRun.objects.filter(
        status=RecomputeStatus.RUNNING, started_at__lt=timezone.now() - limit
    )
    error = (
        f"still running {limit.total_seconds():.0f} s after it started: its process died "
        "(killed, out of memory or its machine stopped) before it finished (the batch "
        "keeps the rows of its last recompute that committed)"
    )
    return _close(old, error)
