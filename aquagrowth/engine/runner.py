"""Recompute batches: load -> compute -> store, one batch per transaction.

The command line, the Celery tasks and the API all come through :func:`recompute_batch`
so that every path computes the same rows. Each run is recorded (``RecomputeRun``) with
its duration, rows and, when it failed, the error, and one failing batch never stops
the others.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import time
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

import numpy as np
from django.db import InterfaceError, OperationalError, connection, connections
from django.utils import timezone

from aquagrowth.db.maintenance import analyze, planner_rows
from aquagrowth.engine import store
from aquagrowth.engine.core.assimilate import assimilate
from aquagrowth.engine.core.outputs import DailyStates
from aquagrowth.engine.load import LoadedBatch, load_batch
from aquagrowth.engine.models import RecomputeRun, RecomputeStatus
from aquagrowth.engine.window import window
from aquagrowth.farm.models import Batch

log = logging.getLogger("aquagrowth.engine")

ANALYZE_AFTER_ROWS = 100_000
"""Rows written by one run above which the daily states' statistics are refreshed."""


@dataclass
class BatchResult:
    """What one batch's recompute did."""

    batch_id: int
    number: str = ""
    assignments: int = 0
    rows: int = 0
    """Daily states computed for the recomputed days."""
    written: int = 0
    """Of those, rows written: assignments whose rows did not change are left alone."""
    seconds: float = 0.0
    queries: int = 0
    error: str | None = None
    transient: bool = False
    """The error was the database's (connection lost, lock timeout): worth retrying."""
    findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None


class _QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@dataclass
class ComputedBatch:
    """A batch loaded and computed, not yet stored.

    ``columns`` hold all its rows; ``window`` marks those a recompute from ``since`` may
    rewrite, ``starts`` each assignment's first date in it (``None``: the whole batch).
    """

    loaded: LoadedBatch
    states: DailyStates
    columns: dict[str, np.ndarray]
    window: np.ndarray
    starts: dict[int, dt.date] | None


def compute_batch(
    batch_id: int,
    *,
    since: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
) -> ComputedBatch:
    """Load and compute one batch (always whole: it is cheap) and find its window."""
    loaded = load_batch(batch_id, end=end, today=today)
    inputs = loaded.inputs
    states = assimilate(inputs)
    mask = np.ones(len(states), dtype=bool)
    starts = None
    if since is not None:
        mask, by_position = window(inputs, states, (since - loaded.start_date).days)
        starts = {
            int(inputs.assignment_id[a]): loaded.start_date + dt.timedelta(days=day)
            for a, day in by_position.items()
        }
    columns = store.row_columns(
        states,
        batch_id=batch_id,
        assignment_ids=inputs.assignment_id,
        container_ids=inputs.container_ids,
        assignment_container=inputs.assignment_container,
        stage_ids=loaded.stage_ids,
        assignment_stage=inputs.assignment_stage,
        start_date=loaded.start_date,
    )
    return ComputedBatch(loaded, states, columns, mask, starts)


def recompute_batch(
    batch_id: int,
    *,
    since: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
    trigger: str = "cli",
    task_id: str = "",
    force: bool = False,
) -> BatchResult:
    """Recompute one batch (from ``since`` when given) and store its rows atomically.

    Only assignments whose rows changed are written, unless ``force``.

    Never raises for a bad batch: the error is logged, stored on the batch's
    ``RecomputeRun`` and returned in :attr:`BatchResult.error`.
    """
    started = time.perf_counter()
    result = BatchResult(batch_id=batch_id)
    run = RecomputeRun.objects.create(
        batch_id=batch_id,
        trigger=trigger,
        task_id=task_id,
        since=since,
        started_at=timezone.now(),
        status=RecomputeStatus.RUNNING,
    )
    counter = _QueryCounter()
    try:
        with connection.execute_wrapper(counter):
            computed = compute_batch(batch_id, since=since, end=end, today=today)
            stored = store.store_batch(
                batch_id, computed.columns, computed.window, computed.starts, force=force
            )
        result.rows = int(computed.window.sum())
        result.written = stored.rows
        result.assignments = computed.loaded.inputs.n_assignments
        result.number = computed.loaded.number
        result.findings = [str(f) for f in computed.loaded.findings + computed.states.findings]
    except Exception as exc:  # one bad batch must not stop the others
        result.error = f"{type(exc).__name__}: {exc}"
        # Lost connections and assignments deleted mid-run pass with a new attempt.
        result.transient = isinstance(
            exc, (OperationalError, InterfaceError, store.AssignmentsGone)
        )
        log.error("batch %s failed: %s\n%s", batch_id, result.error, traceback.format_exc())
    result.seconds = time.perf_counter() - started
    result.queries = counter.count
    if not result.number:
        result.number = (
            Batch.objects.filter(pk=batch_id).values_list("number", flat=True).first() or ""
        )
    run.finished_at = timezone.now()
    run.seconds = result.seconds
    run.rows = result.rows
    run.assignments = result.assignments
    run.status = RecomputeStatus.OK if result.ok else RecomputeStatus.FAILED
    run.error = result.error or ""
    run.report = "\n".join(result.findings)
    run.save()
    if result.ok:
        log.info(
            "batch %s: %d assignments, %d rows (%d written), %.3f s, %d findings",
            result.number,
            result.assignments,
            result.rows,
            result.written,
            result.seconds,
            len(result.findings),
        )
    return result


def _worker_init() -> None:
    import django

    django.setup()


def _run_one(args: tuple[int, dt.date | None, dt.date | None, str, bool]) -> BatchResult:
    batch_id, since, end, trigger, force = args
    # The worker keeps its connection from batch to batch; it closes when the pool ends.
    return recompute_batch(batch_id, since=since, end=end, trigger=trigger, force=force)


def recompute_batches(
    batch_ids: Iterable[int],
    *,
    since: dt.date | None = None,
    end: dt.date | None = None,
    workers: int = 1,
    trigger: str = "cli",
    force: bool = False,
) -> Iterator[BatchResult]:
    """Recompute many batches, in ``workers`` processes (each with its own connection).

    Yields each batch's result as it finishes, then refreshes the planner's statistics
    if the run wrote many rows (:func:`refresh_statistics`).
    """
    written = 0
    for result in _recompute_each(list(batch_ids), since, end, workers, trigger, force):
        written += result.written
        yield result
    refresh_statistics(written)


def refresh_statistics(written: int) -> None:
    """After a run that wrote ``written`` rows: refresh the daily states' planner
    statistics when that is many (a new farm's first computation) or more than half of
    what the planner believes the table holds (a small farm's first computation, a table
    never sampled), so that the next reads are not planned for the table's old size."""
    if not written or connection.vendor != "postgresql":
        return
    if written >= ANALYZE_AFTER_ROWS or written > planner_rows("farm_dailystate") / 2:
        analyze(
            ["farm_dailystate", "farm_statedigest"],
            columns={"farm_dailystate": ("assignment_id", "date")},
        )


def _recompute_each(batch_ids, since, end, workers, trigger, force) -> Iterator[BatchResult]:
    if workers <= 1:
        for batch_id in batch_ids:
            yield recompute_batch(batch_id, since=since, end=end, trigger=trigger, force=force)
        return
    # Connections must not be shared with forked children.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init) as pool:
        futures = [pool.submit(_run_one, (b, since, end, trigger, force)) for b in batch_ids]
        for future in as_completed(futures):
            yield future.result()
