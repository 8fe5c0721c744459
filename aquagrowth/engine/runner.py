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

from django.db import InterfaceError, OperationalError, connection, connections
from django.utils import timezone

from aquagrowth.engine import store
from aquagrowth.engine.core.assimilate import assimilate
from aquagrowth.engine.load import load_batch
from aquagrowth.engine.window import window
from aquagrowth.farm.models import Batch, RecomputeRun, RecomputeStatus

log = logging.getLogger("aquagrowth.engine")


@dataclass
class BatchResult:
    """What one batch's recompute did."""

    batch_id: int
    number: str = ""
    assignments: int = 0
    rows: int = 0
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


def compute_batch(
    batch_id: int,
    *,
    since: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
):
    """Load and compute one batch without storing: (loaded, states, row columns, windows)."""
    loaded = load_batch(batch_id, end=end, today=today)
    inputs = loaded.inputs
    states = assimilate(inputs)
    windows = None
    if since is not None:
        mask, starts = window(inputs, states, (since - loaded.start_date).days)
        states = states.take(mask)
        windows = {
            int(inputs.assignment_id[a]): loaded.start_date + dt.timedelta(days=day)
            for a, day in starts.items()
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
    return loaded, states, columns, windows


def recompute_batch(
    batch_id: int,
    *,
    since: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
    trigger: str = "cli",
    task_id: str = "",
) -> BatchResult:
    """Recompute one batch (from ``since`` when given) and store its rows atomically.

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
            loaded, states, columns, windows = compute_batch(
                batch_id, since=since, end=end, today=today
            )
            result.rows = store.replace_states(batch_id, columns, windows)
        result.assignments = loaded.inputs.n_assignments
        result.number = loaded.number
        result.findings = [str(f) for f in loaded.findings + states.findings]
    except Exception as exc:  # one bad batch must not stop the others
        result.error = f"{type(exc).__name__}: {exc}"
        result.transient = isinstance(exc, (OperationalError, InterfaceError))
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
            "batch %s: %d assignments, %d rows, %.3f s, %d findings",
            result.number,
            result.assignments,
            result.rows,
            result.seconds,
            len(result.findings),
        )
    return result


def _worker_init() -> None:
    import django

    django.setup()


def _run_one(args: tuple[int, dt.date | None, dt.date | None, str]) -> BatchResult:
    batch_id, since, end, trigger = args
    try:
        return recompute_batch(batch_id, since=since, end=end, trigger=trigger)
    finally:
        connections.close_all()


def recompute_batches(
    batch_ids: Iterable[int],
    *,
    since: dt.date | None = None,
    end: dt.date | None = None,
    workers: int = 1,
    trigger: str = "cli",
) -> Iterator[BatchResult]:
    """Recompute many batches, in ``workers`` processes (each with its own connection).

    Yields each batch's result as it finishes.
    """
    batch_ids = list(batch_ids)
    if workers <= 1:
        for batch_id in batch_ids:
            yield recompute_batch(batch_id, since=since, end=end, trigger=trigger)
        return
    # Connections must not be shared with forked children.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init) as pool:
        futures = [pool.submit(_run_one, (b, since, end, trigger)) for b in batch_ids]
        for future in as_completed(futures):
            yield future.result()
