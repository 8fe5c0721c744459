"""RecomputeRun rows for failures the runner never saw.

The runner records every run it performs, including the ones the engine rejects. A task
can also fail before or around it: the batch lock timed out, the database connection
dropped, the worker ran out of memory. Operators look at the admin, not at worker logs,
so those failures are stored as failed runs too.

A recompute that could not even be queued (the broker refused or did not answer) is a
failed run whose error starts with :data:`NOT_QUEUED`. It is also the batch's note that
its days from ``since`` still wait: the database is the one part that took the event,
so the note is kept there, not in the broker or Redis that just failed. The batch's next
recompute on a worker widens its window to every such note no later run has covered
(:func:`unqueued_since`), and the nightly run takes these batches too
(:func:`batches_not_queued`).
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback

from django.db import DatabaseError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from aquagrowth.engine.models import RecomputeRun, RecomputeStatus
from aquagrowth.farm.models import Batch

log = logging.getLogger("aquagrowth.distributed.runs")

NOT_QUEUED = "not queued: "
"""How a failed run that was never queued starts its error."""


def describe(exc: BaseException) -> str:
    """The error as operators read it: type, message and the innermost frames."""
    frames = traceback.format_exception(exc, limit=-3)
    return "".join(frames).strip()[-4000:]


def _store_failed_run(
    *,
    batch_id: int,
    task_id: str,
    trigger: str,
    since: dt.date | None,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    error: str,
    seconds: float | None = None,
) -> RecomputeRun:
    """One failed run, its trigger and task id cut to the columns' lengths (a worker's
    names are not the database's to refuse: the failure must be stored)."""
    fields = {"seconds": seconds} if seconds is not None else {}
    return RecomputeRun.objects.create(
        batch_id=batch_id,
        trigger=trigger[: RecomputeRun._meta.get_field("trigger").max_length],
        task_id=task_id[: RecomputeRun._meta.get_field("task_id").max_length],
        since=since,
        started_at=started_at,
        finished_at=finished_at,
        status=RecomputeStatus.FAILED,
        error=error,
        **fields,
    )


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
        _store_failed_run(
            batch_id=batch_id,
            task_id=task_id,
            trigger=trigger,
            since=since,
            started_at=started_at,
            finished_at=finished_at,
            error=error,
            seconds=seconds,
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
        _store_failed_run(
            batch_id=batch_id,
            task_id=task_id,
            trigger=trigger,
            since=since,
            started_at=now,
            finished_at=now,
            error=error,
        )
    except DatabaseError:
        log.exception("batch %s: could not record the lost delivery of task %s", batch_id, task_id)


def record_not_queued(
    *, batch_id: int, task_id: str, trigger: str, since: dt.date | None, reason: str
) -> int | None:
    """Store a recompute that could not be queued, with the reason: a failed run, and the
    batch's note that its days from ``since`` still wait (see the module's docstring);
    its id (for an answer that names it).

    A batch deleted meanwhile (deleting a batch deletes its events, whose triggers still
    ask for it) has nothing left to recompute: nothing is stored (None). Never raises:
    when the database is down too, the error can only be logged.
    """
    now = timezone.now()
    # One line: the admin's batch list shows an error's last line.
    error = f"{NOT_QUEUED}{reason}; the batch's next recompute or the nightly run takes these days"
    try:
        if not Batch.objects.filter(pk=batch_id).exists():
            return None
        run = _store_failed_run(
            batch_id=batch_id,
            task_id=task_id,
            trigger=trigger,
            since=since,
            started_at=now,
            finished_at=now,
            error=error,
            seconds=0.0,
        )
    except DatabaseError:
        log.exception("batch %s: could not record that its recompute was not queued", batch_id)
        return None
    return run.pk


def _open_notes() -> QuerySet:
    """Notes of recomputes not queued that no later successful run has covered: one
    that started after the note, from the note's day or earlier (or from the first day)."""
    covering = RecomputeRun.objects.filter(
        batch=OuterRef("batch"), status=RecomputeStatus.OK, started_at__gt=OuterRef("started_at")
    ).filter(Q(since__isnull=True) | Q(since__lte=OuterRef("since")))
    notes = RecomputeRun.objects.filter(status=RecomputeStatus.FAILED, error__startswith=NOT_QUEUED)
    return notes.exclude(Exists(covering))


def unqueued_since(batch_id: int) -> tuple[bool, dt.date | None]:
    """(found, since): the earliest day of the batch's open notes (``None``: every day)."""
    days = list(_open_notes().filter(batch_id=batch_id).values_list("since", flat=True))
    if not days:
        return False, None
    return True, None if None in days else min(days)


def batches_not_queued() -> list[int]:
    """The batches with an open note (the nightly run recomputes them, active or not)."""
    return list(_open_notes().values_list("batch_id", flat=True).distinct())
