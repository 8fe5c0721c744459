"""RecomputeRun rows for failures the runner never saw.

The runner records every run it performs, including the ones the engine rejects. A task
can also fail before or around it: the batch lock timed out, the database connection
dropped, the worker ran out of memory. Operators look at the admin, not at worker logs,
so those failures are stored as failed runs too.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback

from django.db import DatabaseError
from django.utils import timezone

from aquagrowth.engine.models import RecomputeRun, RecomputeStatus

log = logging.getLogger("aquagrowth.distributed.runs")


def describe(exc: BaseException) -> str:
    """The error as operators read it: type, message and the innermost frames."""
    frames = traceback.format_exception(exc, limit=-3)
    return "".join(frames).strip()[-4000:]


def record_failure(
    *,
    batch_id: int,
    task_id: str,
    trigger: str,
    since: dt.date | None,
    started_at: dt.datetime,
    exc: BaseException,
    retrying: bool,
) -> None:
    """Store a failed run of ``task_id`` unless the runner already stored this attempt.

    A row the runner left ``running`` (it died before finishing) is closed as failed.
    Never raises: when the database itself is down, the error can only be logged.
    """
    error = describe(exc)
    if retrying:
        error = f"{error}\n(retrying)"
    finished_at = timezone.now()
    seconds = (finished_at - started_at).total_seconds()
    try:
        attempt = RecomputeRun.objects.filter(
            batch_id=batch_id, task_id=task_id, started_at__gte=started_at
        ).exclude(status=RecomputeStatus.OK)
        if task_id and attempt.filter(status=RecomputeStatus.FAILED).exists():
            return
        if task_id and attempt.filter(status=RecomputeStatus.RUNNING).update(
            status=RecomputeStatus.FAILED, error=error, finished_at=finished_at, seconds=seconds
        ):
            return
        RecomputeRun.objects.create(
            batch_id=batch_id,
            trigger=trigger[:16],
            task_id=task_id[:64],
            since=since,
            started_at=started_at,
            finished_at=finished_at,
            seconds=seconds,
            status=RecomputeStatus.FAILED,
            error=error,
        )
    except DatabaseError:
        log.exception("batch %s: could not record the failure of task %s", batch_id, task_id)


def record_lost_delivery(
    *, batch_id: int, task_id: str, trigger: str, since: dt.date | None
) -> None:
    """A redelivered task: store that its earlier delivery never finished.

    The earlier worker died (or outlived the broker's visibility timeout) without a word;
    its transaction was rolled back, so the run left no row of its own. A row it left
    ``running`` is closed as failed instead of adding one.
    """
    error = (
        "an earlier delivery of this task did not finish (worker lost, or the broker's "
        "visibility timeout passed); the task was redelivered and run again"
    )
    now = timezone.now()
    try:
        stale = RecomputeRun.objects.filter(task_id=task_id, status=RecomputeStatus.RUNNING)
        if task_id and stale.update(status=RecomputeStatus.FAILED, error=error, finished_at=now):
            return
        if RecomputeRun.objects.filter(task_id=task_id, status=RecomputeStatus.FAILED).exists():
            return
        RecomputeRun.objects.create(
            batch_id=batch_id,
            trigger=trigger[:16],
            task_id=task_id[:64],
            since=since,
            started_at=now,
            finished_at=now,
            status=RecomputeStatus.FAILED,
            error=error,
        )
    except DatabaseError:
        log.exception("batch %s: could not record the lost delivery of task %s", batch_id, task_id)
