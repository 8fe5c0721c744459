"""How recompute work reaches the workers.

- :func:`enqueue_recompute`: one task for one batch, sent once the caller's transaction
  commits (the API, the admin, bulk loaders).
- :func:`recompute_after_commit`: the coalescing path the event triggers use; a burst of
  events for a batch becomes one task (see :mod:`aquagrowth.distributed.pending`).
- :func:`recompute_farm_via_celery`: fan a farm out over the workers and wait for it.

Tasks are sent only after commit so that a worker never computes from data it cannot
see yet (or from an event that was rolled back). Every message is made by
:func:`aquagrowth.distributed.tasks.send_recompute`.

A broker that fails a send (refused, or no answer within ``AQUAGROWTH_BROKER_TIMEOUT_S``)
never fails the data already committed: the recompute is stored as a failed run that
says why (:func:`aquagrowth.distributed.runs.record_not_queued`), which is also the
batch's note for its next recompute and the nightly one. A caller that asked for the
recompute itself (the API, the admin) gets :class:`NotQueued`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from functools import partial

import redis
from celery import states
from celery.exceptions import TimeoutError as CeleryTimeoutError
from celery.result import AsyncResult, EagerResult, ResultSet
from django.conf import settings
from django.db import connection, transaction
from kombu.utils.uuid import uuid
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from aquagrowth.distributed.pending import earliest, pending_store
from aquagrowth.distributed.tasks import (
    NotQueued,
    not_queued,
    note_not_queued,
    send_or_note,
    send_recompute,
)
from aquagrowth.engine.history import teaching_order
from aquagrowth.engine.runner import BatchResult, RecomputeOptions, combined

log = logging.getLogger("aquagrowth.distributed.dispatch")


def enqueue_recompute(batch_id: int, options: RecomputeOptions) -> str:
    """Recompute ``batch_id`` with ``options`` on a worker; the task id.

    The task is sent when the current transaction commits. Any pending event window of
    the batch joins the run. Without a broker the recompute runs in this process before
    the call returns.

    In autocommit (the API, the admin) the task is sent at once, and a broker that fails
    it raises :class:`NotQueued` here, after storing the failed run. Inside a
    transaction the failure is stored and logged when it commits, and the transaction's
    other callbacks still run: its data is committed whatever the broker does.
    """
    task_id = uuid()
    send = partial(send_or_note, batch_id, options, task_id=task_id)
    if connection.in_atomic_block:
        transaction.on_commit(send, robust=True)
    else:
        send()
    return task_id


def request_recompute(batch_id: int, since: dt.date | None, trigger: str = "event") -> bool:
    """Mark the batch pending from ``since``; send a delayed task if none is pending yet.

    True if a task was sent. Call only with committed data (after commit). Raises
    :class:`NotQueued` when the pending store or the broker fails; the mark is then
    dropped, or, if that fails too, expires within ``pending.CLAIM_TTL_S``.
    """
    store = pending_store()
    try:
        if not store.mark(batch_id, since):
            return False
    except redis.RedisError as exc:
        raise not_queued(exc, getattr(store, "url", "")) from exc
    options = RecomputeOptions(since=since, trigger=trigger)
    try:
        send_recompute(batch_id, options, countdown=settings.AQUAGROWTH_COALESCE_SECONDS)
    except NotQueued:
        # Without its task a pending mark would swallow the batch's next events.
        with suppress(redis.RedisError):
            store.clear(batch_id)
        raise
    with suppress(redis.RedisError):
        # Unconfirmed, the mark expires soon: the next event sends another task.
        store.confirm(batch_id)
    return True


class _Unsent(threading.local):
    """Windows noted in this thread's open transaction and not yet handed on."""

    def __init__(self) -> None:
        """Each thread starts with nothing unsent."""
        self.windows: dict[int, dt.date | None] = {}


_unsent = _Unsent()


def _flush(batch_id: int, trigger: str) -> None:
    """At commit: hand the batch's window on to the coalescing store (once per batch and
    commit). A broker outage is logged, not raised: the caller's data is committed."""
    if batch_id not in _unsent.windows:
        # An earlier callback of the same commit already handed this batch on.
        return
    since = _unsent.windows.pop(batch_id)
    try:
        request_recompute(batch_id, since, trigger)
    except Exception as exc:
        # The events are committed; a broker outage must not fail the caller's save. The
        # failed run it leaves is the batch's note for its next recompute.
        reason = exc if isinstance(exc, NotQueued) else NotQueued(f"{type(exc).__name__}: {exc}")
        note_not_queued(batch_id, RecomputeOptions(since=since, trigger=trigger), "", reason)


def recompute_after_commit(batch_id: int, since: dt.date | None, trigger: str = "event") -> None:
    """Recompute ``batch_id`` from ``since`` once the current transaction commits.

    Every event of a transaction registers a commit callback, but only the first per
    batch does any work, with the earliest day of them all: a transaction that saves
    many events of a batch hands on one window. A rolled-back transaction leaves a stale
    window behind, which at worst widens the next commit's window of that batch.
    """
    if batch_id in _unsent.windows:
        _unsent.windows[batch_id] = earliest(_unsent.windows[batch_id], since)
    else:
        _unsent.windows[batch_id] = since
    transaction.on_commit(partial(_flush, batch_id, trigger))


def _outcome(batch_id: int, task_id: str, succeeded: bool, value: object) -> BatchResult:
    """A finished task's :class:`BatchResult`: the one it returned, or, when it raised
    (retries exhausted, worker lost for good), a failed one carrying the exception."""
    if succeeded and isinstance(value, dict):
        result = BatchResult.from_json(value)
    else:
        result = BatchResult(batch_id=batch_id, error=repr(value))
    result.task_id = result.task_id or task_id
    return result


Finished = tuple[int, tuple[str, bool, object]]
"""A finished task: its position, and (task id, succeeded, return value or exception)."""


def _finished(results: list[AsyncResult], timeout_s: float | None) -> Iterator[Finished]:
    """(position, outcome) of each task as it finishes.

    The result backend's own wait (Redis pub/sub, RabbitMQ replies) costs one message
    per result; polling each of a farm's results ten times a second would take the CPU
    the workers on the same machine need.
    """
    position = {result.id: index for index, result in enumerate(results)}
    eager = any(isinstance(result, EagerResult) for result in results)
    if results and not eager and results[0].backend.supports_native_join:
        try:
            for task_id, meta in ResultSet(results).iter_native(timeout=timeout_s, interval=0.2):
                succeeded = meta["status"] == states.SUCCESS
                yield position[task_id], (task_id, succeeded, meta["result"])
        except CeleryTimeoutError as exc:
            raise TimeoutError(f"batches not done after {timeout_s} s") from exc
        return
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    waiting = dict(enumerate(results))
    while waiting:
        for index, result in list(waiting.items()):
            if result.ready():
                del waiting[index]
                yield index, (result.id, result.successful(), result.result)
        if waiting and deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"{len(waiting)} of {len(results)} batches not done")
        if waiting:
            time.sleep(0.5)


def recompute_farm_via_celery(
    batch_ids: list[int],
    options: RecomputeOptions | None = None,
    *,
    progress: bool = True,
    timeout_s: float | None = None,
) -> list[BatchResult]:
    """Recompute the batches on the workers, one task each, with ``options`` (default:
    every day to today, trigger ``celery``); wait and return their results. The batches
    go in the two phases of :func:`~aquagrowth.engine.history.teaching_order`, the farm's
    history first, as on the local path.

    Results come in the order of ``batch_ids``, with ``status`` ok, failed or skipped
    (the batch was deleted). Needs a result backend (the Redis broker's own database by
    default, ``rpc://`` with RabbitMQ). Raises ``TimeoutError`` after ``timeout_s`` seconds,
    :class:`NotQueued` when the broker fails a send.
    """
    options = options or RecomputeOptions(trigger="celery")
    first, then = teaching_order(batch_ids)
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    outcomes: dict[int, BatchResult] = {}
    columns = (
        TextColumn("recompute via celery"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, disable=not progress) as bar:
        task = bar.add_task("batches", total=len(batch_ids))
        for phase in (first, then):
            # A batch that failed in the first phase was reported there: not run again.
            phase = [b for b in phase if b not in outcomes or outcomes[b].ok]
            # A broker that fails a send stops the farm (its failed run stored, tasks
            # already sent still run).
            sent = [send_or_note(b, options, keep_result=True) for b in phase]
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            for index, (task_id, succeeded, value) in _finished(sent, left):
                batch_id = phase[index]
                outcome = _outcome(batch_id, task_id, succeeded, value)
                if batch_id not in outcomes:
                    bar.advance(task)
                outcomes[batch_id] = combined(outcomes.get(batch_id), outcome)
    failed = [o for o in outcomes.values() if o.status == "failed"]
    if failed:
        log.warning("%d of %d batches failed", len(failed), len(batch_ids))
    return [outcomes[batch_id] for batch_id in batch_ids]
