"""Celery tasks: recompute one batch, and the nightly refresh of recent days.

:func:`recompute_batch_task` (registered as ``aquagrowth.recompute_batch``, the name the
queued messages carry) is safe to run twice and to be redelivered: it is acknowledged
only when done (``acks_late``), requeued if its worker process dies
(``reject_on_worker_lost``), serialised per batch by an advisory lock, and the runner
replaces the batch's rows in one transaction, so a run cut short leaves the previous
rows in place and the redelivered run writes the same rows a single run would.

Transient failures are retried by Celery itself (``autoretry_for`` with exponential
backoff and jitter); every failed attempt is stored as a failed ``RecomputeRun`` first.

:func:`send_recompute` is the one place where :class:`RecomputeOptions` become a message,
beside the task that reads them back. ``dispatch`` builds on it (this module never
imports ``dispatch``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from contextlib import suppress
from functools import partial
from typing import Any

import redis
from celery import Task, shared_task
from celery.result import AsyncResult
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import KombuError
from kombu.utils.url import maybe_sanitize_url
from kombu.utils.uuid import uuid

from aquagrowth.celery import app
from aquagrowth.distributed.pending import PendingStore, earliest, pending_store
from aquagrowth.distributed.runs import (
    batches_not_queued,
    record_failure,
    record_lost_delivery,
    record_not_queued,
    unqueued_since,
)
from aquagrowth.engine import runner, stale
from aquagrowth.engine.locks import batch_lock
from aquagrowth.engine.runner import BatchResult, RecomputeOptions
from aquagrowth.farm.models import Batch, BatchStatus

log = logging.getLogger("aquagrowth.distributed.tasks")

MAX_RETRIES = 6
"""Retries of a transiently failed recompute (7 attempts in all). With the backoff below
they wait at most 5 + 10 + 20 + 40 + 80 + 160 = 315 s in all: long enough for a database
restart or a failover, short enough that an outage shows as failed runs within minutes."""
RETRY_BACKOFF_S = 5
"""The first retry waits up to this long, each next one up to twice as long as the last.
Celery draws each wait at random between 0 and that bound (full jitter), so that the
workers that lost the database together do not all come back in the same second."""
RETRY_BACKOFF_MAX_S = 300
"""No retry waits longer than this (5 min)."""
NIGHTLY_DAYS = 14
"""The nightly run recomputes this many recent days: late readings and corrections."""


class TransientFailure(Exception):
    """The runner stored a failure that another attempt may cure (its error text inside).

    The runner catches every error, so that one bad batch never stops a farm; the task
    raises this for the transient ones (:data:`runner.TRANSIENT_ERRORS`) so that Celery
    retries them.
    """


RETRY_ON: tuple[type[Exception], ...] = (
    *runner.TRANSIENT_ERRORS,
    TransientFailure,
    redis.RedisError,
)
"""What the task retries: the database's errors (lost connection, lock wait past
``AQUAGROWTH_BATCH_LOCK_TIMEOUT_S``) raised around the runner, those the runner stored,
and the pending store's (Redis gone or not answering). Any other error (bad input) would
fail the same way again."""


class NotQueued(Exception):
    """The broker did not take the task (refused, unreachable, no answer in time): the
    reason, as operators read it, is the message. Nothing was sent."""


SEND_ERRORS: tuple[type[Exception], ...] = (KombuError, redis.RedisError, OSError)
"""What a send raises when the broker (or the pending store) fails it: kombu's own
errors (it wraps the transports' connection errors in ``OperationalError``), redis-py's
and the socket's."""


def not_queued(exc: BaseException, where: str = "") -> NotQueued:
    """A failed send as :class:`NotQueued`: which server (password masked), and why."""
    where = where or app.conf.broker_url or ""
    detail = str(exc).strip() or "no detail"
    return NotQueued(f"{maybe_sanitize_url(where)}: {type(exc).__name__}: {detail}")


def send_recompute(
    batch_id: int,
    options: RecomputeOptions,
    *,
    task_id: str | None = None,
    countdown: float = 0,
    keep_result: bool = False,
) -> AsyncResult:
    """Send the recompute of one batch to the workers (without a broker: run it here, now).

    The message's keyword arguments are ``batch_id`` and the options' JSON form
    (:meth:`RecomputeOptions.to_json`), carrying the task id they will run under.

    The send is tried once: a broker that refuses, or does not answer within
    ``AQUAGROWTH_BROKER_TIMEOUT_S``, raises :class:`NotQueued` at once, so that a save or
    an API call is never held up by it. The result is kept only when the caller waits
    for it (``keep_result``, a farm fanned out): the others are read as RecomputeRun rows,
    and not keeping it spares the send a round trip to the result backend.
    """
    task_id = task_id or uuid()
    message = dataclasses.replace(options, task_id=task_id).to_json()
    try:
        return recompute_batch_task.apply_async(
            kwargs={"batch_id": batch_id, **message},
            task_id=task_id,
            countdown=countdown or None,
            ignore_result=not keep_result,
            retry=False,
        )
    except SEND_ERRORS as exc:
        raise not_queued(exc) from exc
    except RuntimeError as exc:
        # The result backend gives up on its connection with a bare RuntimeError.
        if isinstance(exc.__cause__, SEND_ERRORS):
            raise not_queued(exc.__cause__, app.conf.result_backend) from exc
        raise


def note_not_queued(
    batch_id: int, options: RecomputeOptions, task_id: str, exc: NotQueued
) -> int | None:
    """Log and store a recompute that could not be queued (a failed run, which is also
    the batch's note that these days still wait: :mod:`aquagrowth.distributed.runs`);
    the failed run's id (None when it could not be stored)."""
    log.warning("batch %s: recompute from %s not queued: %s", batch_id, options.since, exc)
    return record_not_queued(
        batch_id=batch_id,
        task_id=task_id,
        trigger=options.trigger,
        since=options.since,
        reason=str(exc),
    )


def send_or_note(
    batch_id: int,
    options: RecomputeOptions,
    *,
    task_id: str | None = None,
    keep_result: bool = False,
) -> AsyncResult:
    """:func:`send_recompute`; when the broker fails it, store the failed run (with the
    reason) before :class:`NotQueued` goes on to the caller."""
    task_id = task_id or uuid()
    try:
        return send_recompute(batch_id, options, task_id=task_id, keep_result=keep_result)
    except NotQueued as exc:
        note_not_queued(batch_id, options, task_id, exc)
        raise


@shared_task(
    bind=True,
    name="aquagrowth.recompute_batch",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=RETRY_ON,
    retry_backoff=RETRY_BACKOFF_S,
    retry_backoff_max=RETRY_BACKOFF_MAX_S,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def recompute_batch_task(self: Task, batch_id: int, **options: Any) -> dict[str, Any]:
    """Recompute one batch under its lock; return the :class:`BatchResult`'s JSON form.

    ``options`` are :meth:`RecomputeOptions.to_json`'s keys (``since``, ``end``,
    ``force``, ``trigger`` ...; messages of older releases carry only some of them); the
    trigger defaults to ``celery`` and the task id is the task's own. The batch's
    pending day joins ``since``, and so does the day of any recompute of the batch that
    could not be queued (:func:`~aquagrowth.distributed.runs.unqueued_since`). A retried
    attempt recomputes the same window: the window taken from the pending store stays in
    flight under the task id until the task is done.
    """
    wanted = RecomputeOptions.from_json(
        {"trigger": "celery", **options, "task_id": self.request.id or ""}
    )
    started_at = timezone.now()
    pending = pending_store()
    try:
        if not Batch.objects.filter(pk=batch_id).exists():
            # Deleting a batch deletes its events, whose triggers land here.
            return _skip(batch_id, wanted.task_id, pending).to_json()
        if (self.request.delivery_info or {}).get("redelivered"):
            record_lost_delivery(
                batch_id=batch_id,
                task_id=wanted.task_id,
                trigger=wanted.trigger,
                since=wanted.since,
            )
        with batch_lock(batch_id, settings.AQUAGROWTH_BATCH_LOCK_TIMEOUT_S):
            # Taken under the lock: events that arrive while this task waits join its run.
            wanted = _widened(batch_id, wanted, pending)
            result = runner.recompute_batch(batch_id, wanted)
        if result.error and result.transient:
            # The runner stored the failure and returned it; a lost connection or a busy
            # database is worth another attempt, a bad batch is not.
            raise TransientFailure(result.error)
        pending.done(wanted.task_id)
    except Exception as exc:
        _failed_attempt(self, batch_id, wanted, started_at, exc)
        raise
    if result.error:
        log.warning("batch %s: recompute failed: %s", batch_id, result.error)
    runner.announce([batch_id], wanted)
    return result.to_json()


def _widened(batch_id: int, wanted: RecomputeOptions, pending: PendingStore) -> RecomputeOptions:
    """The task's window widened to the batch's pending day and to the days of its
    recomputes that were never queued (taken under the batch lock: events that arrive
    while the task waits for it join this run)."""
    for found, since in (pending.take(batch_id, wanted.task_id), unqueued_since(batch_id)):
        if found:
            wanted = dataclasses.replace(wanted, since=earliest(wanted.since, since))
    return wanted


def _skip(batch_id: int, task_id: str, pending: PendingStore) -> BatchResult:
    """A batch deleted before its task ran: forget its pending day, compute nothing."""
    pending.clear(batch_id)
    pending.done(task_id)
    return BatchResult(
        batch_id=batch_id, error="batch does not exist", skipped=True, task_id=task_id
    )


def _failed_attempt(
    task: Task, batch_id: int, options: RecomputeOptions, started_at: dt.datetime, exc: Exception
) -> None:
    """Store a failed attempt as a failed run (operators read runs, not worker logs),
    marked "(retrying)" when Celery will retry it.

    A transient error may have killed the connection: it is closed first, so that
    neither the failure record nor the retry inherits a dead one.
    """
    transient = isinstance(exc, RETRY_ON)
    retrying = transient and task.request.retries < task.max_retries
    if transient and not connection.in_atomic_block:
        connection.close()
    record_failure(
        batch_id=batch_id,
        task_id=options.task_id,
        trigger=options.trigger,
        since=options.since,
        started_at=started_at,
        exc=exc,
        retrying=retrying,
    )
    if transient:
        log.warning("batch %s: database error, retry %s: %s", batch_id, retrying, exc)
    else:
        log.exception("batch %s: recompute failed", batch_id)


@shared_task(name="aquagrowth.recompute_recent")
def recompute_recent(days: int = NIGHTLY_DAYS) -> int:
    """Enqueue a recompute of the last ``days`` days of every active batch (beat, nightly),
    and of every batch with a recompute that could not be queued (from its day, which
    the task adds); the number of batches enqueued.

    Late sensor readings and corrections keyed in after the fact change recent days;
    this sweep catches any whose trigger was switched off (bulk loads) or lost. A batch
    whose task cannot be sent is stored as a failed run, and the others still go.
    """
    since = timezone.now().date() - dt.timedelta(days=days)
    options = RecomputeOptions(since=since, trigger="beat")
    active = Batch.objects.filter(status=BatchStatus.ACTIVE).values_list("id", flat=True)
    batch_ids = sorted({*active, *batches_not_queued()})
    for batch_id in batch_ids:
        # After commit, like every enqueue (dispatch.enqueue_recompute): a worker must see
        # what this process sees.
        transaction.on_commit(partial(_send_nightly, batch_id, options))
    log.info("nightly: %d batches enqueued from %s", len(batch_ids), options.since)
    return len(batch_ids)


def _send_nightly(batch_id: int, options: RecomputeOptions) -> None:
    """One batch of the nightly run: a batch whose task cannot be sent is noted (by
    :func:`send_or_note`) and the next one is tried."""
    with suppress(NotQueued):
        send_or_note(batch_id, options)


@shared_task(name="aquagrowth.sweep_stale_runs")
def sweep_stale_runs() -> int:
    """Mark failed the runs left running by a process that died (beat, every 10 minutes);
    the number marked."""
    return stale.sweep_stale_runs()
