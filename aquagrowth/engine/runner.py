"""Recompute batches: load -> compute -> store, one batch per transaction.

Every path comes through :func:`recompute_batch` so that every path computes the same
rows: the ``recompute`` command (local processes, :func:`recompute_batches`), the Celery
task (``aquagrowth.distributed.tasks``), and through it the API, the admin and the event
triggers. They all say what to do with one :class:`RecomputeOptions` and get one
:class:`BatchResult` back; both have a JSON form for Celery messages and results.

Each run is recorded (``RecomputeRun``) with its duration, rows and, when it failed, the
error, and one failing batch never stops the others.
"""

from __future__ import annotations

import ctypes
import dataclasses
import datetime as dt
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections
from django.utils import timezone

from aquagrowth.db.maintenance import analyze, planner_rows
from aquagrowth.engine import store
from aquagrowth.engine.core.assimilate import assimilate
from aquagrowth.engine.core.outputs import DailyStates
from aquagrowth.engine.history import teaching_order
from aquagrowth.engine.load import LoadedBatch, load_batch
from aquagrowth.engine.locks import batch_lock
from aquagrowth.engine.models import RecomputeRun, RecomputeStatus
from aquagrowth.engine.signals import batch_recomputed
from aquagrowth.engine.window import window
from aquagrowth.farm.models import Batch

log = logging.getLogger("aquagrowth.engine")

ANALYZE_AFTER_ROWS = 100_000
"""Rows written by one run above which the daily states' statistics are refreshed."""

TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    store.AssignmentsGone,
)
"""Failures another attempt may cure: a lost connection, a busy database or a lock wait
that timed out (``OperationalError``, ``InterfaceError``), assignments deleted while the
batch was computed (the next run leaves them out). The same input fails the same way
for every other error, so only these are retried."""


def _iso(day: dt.date | None) -> str | None:
    """A day in its JSON form (ISO string): Celery's JSON serializer takes no dates."""
    return day.isoformat() if day else None


def _day(value: object) -> dt.date | None:
    """A day from its JSON form (ISO string) or as it is; ``None`` or '' stays ``None``."""
    if value is None or value == "":
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@dataclass(frozen=True)
class RecomputeOptions:
    """What to recompute of a batch, and on whose behalf: the same on every path.

    Attributes
    ----------
    since : first day that changed; only the rows a change on that day can alter are
        rewritten (from the anchor before it, downstream through transfers). ``None``:
        every day.
    end : last day computed for open assignments. ``None``: today.
    today : the day taken as today (``None``: the clock's); tests and benchmarks pin it so
        that their rows do not move with the calendar.
    force : rewrite every row, even of assignments whose computed rows did not change
        (restores rows changed or deleted behind the engine's back).
    trigger : who asked (``cli``, ``celery``, ``event``, ``beat``, ``api``, ``admin``),
        stored on the run so that operators can filter by it.
    task_id : the Celery task that runs the recompute ('' outside Celery), stored on the
        run so that a task's attempts can be found.
    """

    since: dt.date | None = None
    end: dt.date | None = None
    today: dt.date | None = None
    force: bool = False
    trigger: str = "cli"
    task_id: str = ""

    def to_json(self) -> dict[str, Any]:
        """The options as plain JSON values (dates as ISO strings): a Celery message's
        keyword arguments must survive the JSON serializer."""
        return {
            "since": _iso(self.since),
            "end": _iso(self.end),
            "today": _iso(self.today),
            "force": self.force,
            "trigger": self.trigger,
            "task_id": self.task_id,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RecomputeOptions:
        """Options from :meth:`to_json`'s form; missing keys take their defaults, so that
        messages queued by an older release (``since``, ``trigger``, ``end``) still run.

        Raises ``TypeError`` for an unknown key: a message meant for another version of
        the task must fail loudly, not recompute something else.
        """
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise TypeError(f"unknown recompute options: {', '.join(sorted(unknown))}")
        values = dict(data)
        for name in ("since", "end", "today"):
            if name in values:
                values[name] = _day(values[name])
        return cls(**values)


@dataclass
class BatchResult:
    """What one batch's recompute did, on any path (process pool or Celery worker)."""

    batch_id: int
    number: str = ""
    since: dt.date | None = None
    """First day recomputed (``None``: every day); on a worker, merged with the batch's
    pending events."""
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
    skipped: bool = False
    """The batch no longer existed when its task ran (deleting a batch deletes its events,
    whose triggers still send tasks): nothing to compute, and ``error`` says so."""
    findings: list[str] = field(default_factory=list)
    task_id: str = ""
    """The Celery task that ran it ('' in a local process)."""

    @property
    def ok(self) -> bool:
        """No error: the batch's rows are stored (or were already right)."""
        return self.error is None

    @property
    def status(self) -> str:
        """``ok``, ``failed`` or ``skipped``: what a task's JSON result calls it."""
        if self.skipped:
            return "skipped"
        return "ok" if self.ok else "failed"

    def to_json(self) -> dict[str, Any]:
        """The result as plain JSON values (a date as an ISO string) plus its ``status``:
        what a Celery task returns through the result backend."""
        values = dataclasses.asdict(self)
        values["since"] = _iso(self.since)
        values["status"] = self.status
        return values

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BatchResult:
        """A result from :meth:`to_json`'s form. Keys it does not know are ignored and
        missing ones take their defaults, so a result stored by another release of the
        worker still reads."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {key: value for key, value in data.items() if key in names}
        values["since"] = _day(values.get("since"))
        values["skipped"] = bool(values.get("skipped")) or data.get("status") == "skipped"
        return cls(**values)


class _QueryCounter:
    """Counts the queries of a run (``connection.execute_wrapper``): a recompute costs a
    constant number of them whatever the batch's size, and a benchmark holds it to that."""

    def __init__(self) -> None:
        """Start at zero: one counter per run."""
        self.count = 0

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        """Count the query, then run it (the signature Django's wrappers are called with)."""
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
    states = assimilate(inputs, weight_model=loaded.weight_model)
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
    batch_id: int, options: RecomputeOptions | None = None, **fields: Any
) -> BatchResult:
    """Recompute one batch (from ``options.since`` when given) and store its rows atomically.

    Only assignments whose rows changed are written, unless ``options.force``. ``fields``
    are :class:`RecomputeOptions` fields given one by one, a shorthand for tests,
    benchmarks and the shell: ``recompute_batch(7, since=day)`` is
    ``recompute_batch(7, RecomputeOptions(since=day))``.

    Never raises for a bad batch: the error is logged, stored on the batch's
    ``RecomputeRun`` and returned in :attr:`BatchResult.error`, so that one bad batch does
    not stop the others of a farm.

    The batch's lock (:func:`~aquagrowth.engine.locks.batch_lock`; a Celery task holds it
    already) is held from before the run is stored ``running`` until it is closed, so
    that a ``running`` run whose batch is not locked was left by a process that died
    (:func:`aquagrowth.engine.stale.sweep_stale_runs`). A lock not had within
    ``AQUAGROWTH_BATCH_LOCK_TIMEOUT_S`` is a failed run, worth retrying.
    """
    options = dataclasses.replace(options or RecomputeOptions(), **fields)
    with ExitStack() as held:
        try:
            held.enter_context(batch_lock(batch_id, settings.AQUAGROWTH_BATCH_LOCK_TIMEOUT_S))
        except DatabaseError as exc:
            return _not_locked(batch_id, options, exc)
        return _recompute_locked(batch_id, options)


def _not_locked(batch_id: int, options: RecomputeOptions, exc: DatabaseError) -> BatchResult:
    """The batch stayed locked by another recompute (or the database failed the wait):
    a failed run, and a result another attempt may cure."""
    now = timezone.now()
    error = f"batch lock not had: {type(exc).__name__}: {exc}"
    log.error("batch %s: %s", batch_id, error)
    RecomputeRun.objects.create(
        batch_id=batch_id,
        trigger=options.trigger,
        task_id=options.task_id,
        since=options.since,
        started_at=now,
        finished_at=now,
        status=RecomputeStatus.FAILED,
        error=error,
    )
    return BatchResult(
        batch_id=batch_id, since=options.since, error=error, transient=True, task_id=options.task_id
    )


def _recompute_locked(batch_id: int, options: RecomputeOptions) -> BatchResult:
    """:func:`recompute_batch` under the batch's lock: record, compute, store, close."""
    started = time.perf_counter()
    result = BatchResult(batch_id=batch_id, since=options.since, task_id=options.task_id)
    run = RecomputeRun.objects.create(
        batch_id=batch_id,
        trigger=options.trigger,
        task_id=options.task_id,
        since=options.since,
        started_at=timezone.now(),
        status=RecomputeStatus.RUNNING,
    )
    counter = _QueryCounter()
    try:
        with connection.execute_wrapper(counter):
            _compute_and_store(batch_id, options, result)
    except Exception as exc:  # one bad batch must not stop the others
        result.error = f"{type(exc).__name__}: {exc}"
        result.transient = isinstance(exc, TRANSIENT_ERRORS)
        log.error("batch %s failed: %s\n%s", batch_id, result.error, traceback.format_exc())
    result.seconds = time.perf_counter() - started
    result.queries = counter.count
    if not result.number:
        result.number = (
            Batch.objects.filter(pk=batch_id).values_list("number", flat=True).first() or ""
        )
    _finish_run(run, result)
    return result


def _compute_and_store(batch_id: int, options: RecomputeOptions, result: BatchResult) -> None:
    """The run proper: compute, store, and fill in ``result`` (raises on any failure)."""
    computed = compute_batch(batch_id, since=options.since, end=options.end, today=options.today)
    loaded = computed.loaded
    stored = store.store_batch(
        batch_id,
        computed.columns,
        computed.window,
        computed.starts,
        force=options.force,
        summaries=store.summary_records(
            computed.states.stays, loaded.inputs.assignment_id, loaded.start_date
        ),
    )
    result.rows = int(computed.window.sum())
    result.written = stored.rows
    result.assignments = computed.loaded.inputs.n_assignments
    result.number = computed.loaded.number
    result.findings = [str(f) for f in computed.states.findings]


def _finish_run(run: RecomputeRun, result: BatchResult) -> None:
    """Close the run's record with the result: operators read runs, not worker logs."""
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


PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal the kernel sends this process when its parent dies."""
PARENT_POLL_S = 0.5
"""Where prctl is not available: how often a pool process checks that its parent lives."""


def _die_with_parent(parent_pid: int) -> None:
    """Make this pool process die with the process that started the pool, whatever
    kills it: SIGKILL leaves the pool no chance to stop its workers, which would go on
    computing (a database connection and ~100 MB each) with no one to report to.

    On Linux the kernel sends SIGKILL at the parent's death (``PR_SET_PDEATHSIG``,
    through ctypes: no package needed): at once, and at no cost while the parent lives.
    It fires when the *thread* that forked the process ends; the pool forks its workers
    from the thread that first submits to it, which waits for the results. Elsewhere a
    daemon thread polls the parent's pid. A parent that died before either took effect
    is caught by the check at the end.
    """
    libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
    if libc is None or libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if os.getppid() != parent_pid:
        os._exit(1)


def _watch_parent(parent_pid: int) -> None:
    """Exit this process as soon as its parent is gone (it is then reparented)."""
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_S)
    os._exit(1)


def _worker_init(parent_pid: int) -> None:
    """Prepare a pool process: die with the parent; set Django up (a no-op after fork,
    needed if it ever spawns)."""
    import django

    _die_with_parent(parent_pid)
    django.setup()


def _run_one(batch_id: int, options: RecomputeOptions) -> BatchResult:
    """One batch in a pool process: a module-level function, as the pool pickles it by
    name. The process keeps its connection from batch to batch; it closes with the pool."""
    return recompute_batch(batch_id, options)


def recompute_batches(
    batch_ids: Iterable[int],
    options: RecomputeOptions | None = None,
    *,
    workers: int = 1,
    **fields: Any,
) -> Iterator[BatchResult]:
    """Recompute many batches, in ``workers`` processes (each with its own connection).

    ``options`` (or its ``fields`` one by one, as for :func:`recompute_batch`) apply to
    every batch. Yields each batch's result once, as it finishes, the batches in the two
    phases of :func:`~aquagrowth.engine.history.teaching_order` (the farm's history first),
    then refreshes the planner's statistics if the run wrote many rows
    (:func:`refresh_statistics`).
    """
    options = dataclasses.replace(options or RecomputeOptions(), **fields)
    first, then = teaching_order(list(batch_ids))
    again = set(first) & set(then)
    held: dict[int, BatchResult] = {}
    written = 0

    def second() -> list[int]:
        # Asked once the first phase is done. A batch that failed in it was reported
        # there: it is not run again.
        return [b for b in then if b not in again or b in held]

    finished: list[int] = []
    try:
        for phase, result in _recompute_each([lambda: first, second], options, workers):
            written += result.written
            if phase == 0 and result.batch_id in again and result.ok:
                held[result.batch_id] = result
                continue
            done = combined(held.pop(result.batch_id, None), result)
            finished.append(done.batch_id)
            yield done
    finally:
        # Once for the run, not per batch: what acts on it (the alerts) then reads the
        # farm once, not once per batch.
        announce(finished, options)
    refresh_statistics(written)


def announce(batch_ids: Iterable[int], options: RecomputeOptions) -> None:
    """Tell the apps that read the states that the recompute of ``batch_ids`` is over (ok
    or not): the ``batch_recomputed`` signal, sent by the paths that finish batches (the
    local processes' :func:`recompute_batches` once at the end of a run, the Celery task
    per batch), after the runs are closed. Nothing is sent for no batch."""
    ids = frozenset(batch_ids)
    if ids:
        batch_recomputed.send(sender=RecomputeRun, batch_ids=ids, today=options.today)


def combined(earlier: BatchResult | None, result: BatchResult) -> BatchResult:
    """A batch computed in both phases of :func:`teaching_order`, as one result: the
    second run's rows and findings, the rows both wrote and the time both took."""
    if earlier is None:
        return result
    return dataclasses.replace(
        result,
        written=earlier.written + result.written,
        seconds=earlier.seconds + result.seconds,
        queries=max(earlier.queries, result.queries),
    )


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


def _recompute_each(
    phases: list[Callable[[], list[int]]], options: RecomputeOptions, workers: int
) -> Iterator[tuple[int, BatchResult]]:
    """(phase, result) of each batch as it finishes, the phases one after the other (each
    asked for its batches once the one before is done): in this process, or in one pool
    of ``workers`` forked processes for all of them (a recompute is CPU-bound numpy
    between one read and one write)."""
    if workers <= 1:
        for phase, batch_ids in enumerate(phases):
            for batch_id in batch_ids():
                yield phase, recompute_batch(batch_id, options)
        return
    # Connections must not be shared with forked children.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)
    ) as pool:
        for phase, batch_ids in enumerate(phases):
            futures = [pool.submit(_run_one, batch_id, options) for batch_id in batch_ids()]
            for future in as_completed(futures):
                yield phase, future.result()
