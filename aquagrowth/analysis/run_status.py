"""A batch's recompute runs as a manager reads them: status, times, rows, and what went
wrong in plain words (docs/api.md, "Recompute runs").

A run's stored ``error`` is for operators (the exception, the innermost frames of its
traceback, the broker's URL): the answer gives a sentence with a next step instead, and
the admin keeps the whole text.
"""

from __future__ import annotations

from aquagrowth.distributed.runs import NOT_QUEUED
from aquagrowth.engine.models import RecomputeRun, RecomputeStatus

LIMIT = 20
"""Runs per answer, newest first."""

QUEUED, RUNNING, RETRYING, DONE, FAILED = "queued", "running", "retrying", "done", "failed"
"""A task's state as the page shows it (:func:`task_state`)."""

RETRYING_MARK = "(retrying)"
"""How a failed attempt that Celery retries ends its error (distributed.runs)."""
LOST_MARK = "an earlier delivery of this task did not finish"
LOCK_MARK = "batch lock not had"


def last_line(error: str) -> str:
    """The exception's own line (type and message) out of a stored error, without the
    traceback's frames, at most 200 characters."""
    lines = [line.strip() for line in error.splitlines() if line.strip()]
    lines = [line for line in lines if line != RETRYING_MARK]
    return lines[-1][:200] if lines else ""


def plain_error(run: RecomputeRun) -> str:
    """What went wrong, in words, with what to do next ("" for a run that did not fail)."""
    error = run.error or ""
    if run.status != RecomputeStatus.FAILED:
        return ""
    if error.startswith(NOT_QUEUED):
        return (
            "The task queue did not take the recompute (the broker is down or not "
            "answering). The batch's next recompute or the nightly run takes these days; "
            "try again in a few minutes."
        )
    if error.endswith(RETRYING_MARK):
        return "This attempt failed on a passing problem; it is tried again automatically."
    if error.startswith(LOCK_MARK):
        return (
            "Another recompute of this batch was running, and this one could not wait for "
            "it. Try again in a minute."
        )
    if error.startswith(LOST_MARK):
        return "A worker stopped before finishing this run; the task was run again."
    cause = last_line(error)
    return (
        "The recompute stopped on an error"
        + (f" ({cause})" if cause else "")
        + ". Try again; if it fails again, tell your administrator (the admin's "
        "Recompute runs page has the details)."
    )


def run_answer(run: RecomputeRun) -> dict:
    """One run for the API."""
    return {
        "id": run.id,
        "task_id": run.task_id,
        "trigger": run.trigger,
        "status": run.status,
        "since": run.since,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "seconds": None if run.seconds is None else round(run.seconds, 3),
        "rows": run.rows,
        "assignments": run.assignments,
        "error": plain_error(run),
    }


def task_state(runs: list[RecomputeRun]) -> str:
    """The state of one task from its runs (newest first): queued while none has
    started, else its latest attempt's (a failed attempt that is retried: retrying)."""
    if not runs:
        return QUEUED
    latest = runs[0]
    if latest.status == RecomputeStatus.RUNNING:
        return RUNNING
    if latest.status == RecomputeStatus.OK:
        return DONE
    return RETRYING if (latest.error or "").endswith(RETRYING_MARK) else FAILED


def runs_answer(batch_id: int, task_id: str | None = None) -> dict:
    """The batch's latest runs (of one task when given) and, for a task, its state."""
    runs = RecomputeRun.objects.filter(batch_id=batch_id).order_by("-started_at", "-id")
    if task_id:
        runs = runs.filter(task_id=task_id)
    runs = list(runs[:LIMIT])
    return {
        "batch": batch_id,
        "task_id": task_id or None,
        "state": task_state(runs) if task_id else None,
        "runs": [run_answer(run) for run in runs],
    }
