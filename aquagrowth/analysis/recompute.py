"""Queue recomputes of daily states on behalf of a user of the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from aquagrowth.distributed.dispatch import enqueue_recompute
from aquagrowth.engine.runner import RecomputeOptions
from aquagrowth.farm.models import Assignment, Batch

TRIGGER = "api"


@dataclass(frozen=True)
class QueuedRecompute:
    """What the API answers: the batch, the first day recomputed and the task ids."""

    batch: int
    since: dt.date | None
    task_ids: list[str]


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
    since = start
    if assignment is not None:
        batch = assignment.batch
        since = max(start or assignment.assignment_date, assignment.assignment_date)
    if batch is None:
        raise ValueError("A batch or an assignment is needed.")
    task_id = enqueue_recompute(batch.id, RecomputeOptions(since=since, trigger=TRIGGER))
    return QueuedRecompute(batch.id, since, [task_id])
