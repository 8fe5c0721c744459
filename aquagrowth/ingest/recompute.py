"""The days a request changed, handed to the workers once per batch.

A request stores its events in bulk, with the recompute triggers off (as every import);
the import names each touched batch with its first changed day. Each goes the way a
saved event's trigger goes (:func:`~aquagrowth.distributed.dispatch.request_recompute`):
marked pending from that day, with one short-delayed task per batch however many
requests arrive meanwhile, so a client sending a day's events in a hundred requests
costs one recompute per batch, not a hundred.

A broker (or pending store) that fails the send never fails the request: the events
are committed, the recompute is stored as a failed run (the batch's note that these
days still wait, which its next recompute and the nightly run take), and the answer
says so, naming the run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from aquagrowth.distributed.dispatch import request_recompute
from aquagrowth.distributed.pending import earliest
from aquagrowth.distributed.tasks import NotQueued, note_not_queued
from aquagrowth.distributed.triggers import learning_batches
from aquagrowth.engine.runner import RecomputeOptions
from aquagrowth.farm.models import Batch

TRIGGER = "event-api"
"""The trigger its recompute runs carry (operators filter runs by it)."""

Windows = dict[int, dt.date | None]
"""Batch id -> first day to recompute (None: every day)."""


@dataclass(frozen=True)
class Queued:
    """One batch's recompute as the answer tells it."""

    batch: int
    number: str
    since: dt.date | None
    queued: bool
    failed_run: int | None = None
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "batch": self.batch,
            "number": self.number,
            "since": self.since.isoformat() if self.since else None,
            "queued": self.queued,
        }
        if not self.queued:
            answer.update(failed_run=self.failed_run, reason=self.reason)
        return answer


def with_learning(windows: Windows, harvested: bool) -> Windows:
    """``windows``, and for a harvest the other active batches of its species and
    geography whole, as a saved harvest's trigger does (their open stretches take the
    unrecorded loss its count measures)."""
    if not harvested:
        return dict(windows)
    wider = dict(windows)
    for batch_id in learning_batches(list(windows)):
        wider.setdefault(batch_id, None)
    return wider


def merge(windows: Windows, batch_id: int, since: dt.date | None) -> None:
    """Widen the batch's window to ``since``."""
    windows[batch_id] = earliest(windows[batch_id], since) if batch_id in windows else since


def queue(windows: Windows) -> list[Queued]:
    """Queue every batch's recompute from its day (call after commit); what became of
    each, in batch id order."""
    numbers = dict(Batch.objects.filter(pk__in=list(windows)).values_list("pk", "number"))
    done = []
    for batch_id in sorted(windows):
        if batch_id not in numbers:
            continue  # deleted meanwhile: nothing to recompute
        since = windows[batch_id]
        done.append(_queue_one(batch_id, numbers[batch_id], since))
    return done


def _queue_one(batch_id: int, number: str, since: dt.date | None) -> Queued:
    try:
        request_recompute(batch_id, since, TRIGGER)
    except Exception as exc:
        # The events are committed; the failed run is the batch's note of these days.
        reason = exc if isinstance(exc, NotQueued) else NotQueued(f"{type(exc).__name__}: {exc}")
        options = RecomputeOptions(since=since, trigger=TRIGGER)
        run = note_not_queued(batch_id, options, "", reason)
        return Queued(batch_id, number, since, False, run, str(reason))
    return Queued(batch_id, number, since, True)


def answer(queued: list[Queued]) -> dict[str, Any]:
    """The ``recompute`` part of an answer: all queued or not, and per batch."""
    return {"queued": all(q.queued for q in queued), "batches": [q.as_json() for q in queued]}
