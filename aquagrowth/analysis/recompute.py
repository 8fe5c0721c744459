"""Queue recomputes of daily states on behalf of a user of the API."""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass

from aquagrowth.engine.runner import RecomputeOptions
from aquagrowth.farm.models import Assignment, Batch

TRIGGER = "api"


@dataclass(frozen=True)
class QueuedRecompute:
    batch: int
    since: dt.date | None
    task_ids: list[str]


class DispatchUnavailable(RuntimeError):
    """The task queue's dispatcher is not installed in this deployment."""


def _enqueue():
    try:
        dispatch = importlib.import_module("aquagrowth.distributed.dispatch")
    except ImportError as error:
        raise DispatchUnavailable("The recompute task queue is not available.") from error
    return dispatch.enqueue_recompute


def queue_recompute(
    batch: Batch | None = None,
    assignment: Assignment | None = None,
    start: dt.date | None = None,
) -> QueuedRecompute:
    """Queue the recompute of a batch (or of the batch of one assignment) from ``start``.

    An assignment's states depend on its sources and change those of its destinations,
    so its batch is recomputed from the later of ``start`` and the assignment's first
    day: the engine then recomputes exactly the window that can change.
    """
    enqueue = _enqueue()
    since = start
    if assignment is not None:
        batch = assignment.batch
        since = max(start or assignment.assignment_date, assignment.assignment_date)
    if batch is None:
        raise ValueError("A batch or an assignment is needed.")
    options = RecomputeOptions(since=since, trigger=TRIGGER)
    return QueuedRecompute(batch.id, since, [enqueue(batch.id, options)])
