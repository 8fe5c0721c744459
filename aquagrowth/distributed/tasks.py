"""Celery tasks: recompute one batch, and the nightly refresh of recent days.

``recompute_batch`` is safe to run twice and to be redelivered: it is acknowledged only
when done (``acks_late``), requeued if its worker process dies
(``reject_on_worker_lost``), serialised per batch by an advisory lock, and the runner
replaces the batch's rows in one transaction, so a run cut short leaves the previous
rows in place and the redelivered run writes the same rows a single run would.
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from aquagrowth.distributed.locks import batch_lock
from aquagrowth.distributed.pending import earliest, pending_store
from aquagrowth.distributed.runs import record_failure, record_lost_delivery
from aquagrowth.engine import runner
from aquagrowth.farm.models import Batch, BatchStatus

log = logging.getLogger("aquagrowth.distributed.tasks")

MAX_RETRIES = 6
"""How the runner's error text begins for database errors that a retry may cure."""
NIGHTLY_DAYS = 14
"""The nightly run recomputes this many recent days: late readings and corrections."""


def retry_countdown_s(retries: int) -> float:
    """Exponential backoff (5 s, 10 s, 20 s ... at most 5 min) with jitter.

    Jitter keeps the workers that lost the database together from all coming back in the
    same second.
    """
    return min(300.0, 5.0 * 2**retries) * random.uniform(0.8, 1.2)


def _parse(day: str | None) -> dt.date | None:
    """An ISO date from a task's arguments (None stays None)."""
    return dt.date.fromisoformat(day) if day else None


def result_summary(result) -> dict:
    """A runner's BatchResult as the JSON a task returns."""
    return {
        "batch_id": result.batch_id,
        "status": "failed" if result.error else "ok",
        "rows": result.rows,
        "written": result.written,
        "assignments": result.assignments,
        "seconds": result.seconds,
        "error": result.error,
    }


@shared_task(
    bind=True,
    name="aquagrowth.recompute_batch",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def recompute_batch(
    self,
    batch_id: int,
    since: str | None = None,
    trigger: str = "celery",
    end: str | None = None,
):
    """Recompute one batch from ``since`` (ISO date; none: every day) to ``end`` (ISO
    date; none: today), merged with the batch's pending day, under the batch lock.
    Returns the run's summary."""
    task_id = self.request.id or ""
    started_at = timezone.now()
    store = pending_store()
    window = _parse(since)
    try:
        if not Batch.objects.filter(pk=batch_id).exists():
            # Deleting a batch deletes its events, whose triggers land here.
            store.clear(batch_id)
            store.done(task_id)
            return {"batch_id": batch_id, "status": "skipped", "error": "batch does not exist"}
        if (self.request.delivery_info or {}).get("redelivered"):
            record_lost_delivery(batch_id=batch_id, task_id=task_id, trigger=trigger, since=window)
        with batch_lock(batch_id, settings.AQUAGROWTH_BATCH_LOCK_TIMEOUT_S):
            # Taken under the lock: events that arrive while this task waits join its run.
            found, pending_since = store.take(batch_id, task_id)
            if found:
                window = earliest(window, pending_since)
            result = runner.recompute_batch(
                batch_id, since=window, end=_parse(end), trigger=trigger, task_id=task_id
            )
        if result.error and result.transient:
            # The runner stores every failure and returns it; a lost connection or a
            # busy database is worth another attempt, a bad batch is not.
            raise OperationalError(result.error)
        store.done(task_id)
    except (OperationalError, InterfaceError) as exc:
        retrying = self.request.retries < self.max_retries
        if not connection.in_atomic_block:
            # A dead connection must not be handed to the retry or the failure record.
            connection.close()
        record_failure(
            batch_id=batch_id,
            task_id=task_id,
            trigger=trigger,
            since=window,
            started_at=started_at,
            exc=exc,
            retrying=retrying,
        )
        log.warning("batch %s: database error, retry %s: %s", batch_id, retrying, exc)
        since_kwarg = window.isoformat() if window else None
        raise self.retry(
            exc=exc,
            countdown=retry_countdown_s(self.request.retries),
            kwargs={"batch_id": batch_id, "since": since_kwarg, "trigger": trigger, "end": end},
        ) from exc
    except Exception as exc:
        record_failure(
            batch_id=batch_id,
            task_id=task_id,
            trigger=trigger,
            since=window,
            started_at=started_at,
            exc=exc,
            retrying=False,
        )
        log.exception("batch %s: recompute failed", batch_id)
        raise
    summary = result_summary(result)
    summary["task_id"] = task_id
    if result.error:
        log.warning("batch %s: recompute failed: %s", batch_id, result.error)
    return summary


@shared_task(name="aquagrowth.recompute_recent")
def recompute_recent(days: int = NIGHTLY_DAYS) -> int:
    """Enqueue a recompute of the last ``days`` days of every active batch (beat, nightly).

    Late sensor readings and corrections keyed in after the fact change recent days;
    this sweep catches any whose trigger was switched off (bulk loads) or lost.
    """
    from aquagrowth.distributed.dispatch import enqueue_recompute

    since = timezone.now().date() - dt.timedelta(days=days)
    batch_ids = list(Batch.objects.filter(status=BatchStatus.ACTIVE).values_list("id", flat=True))
    for batch_id in batch_ids:
        enqueue_recompute(batch_id, since, "beat")
    log.info("nightly: %d active batches enqueued from %s", len(batch_ids), since)
    return len(batch_ids)
