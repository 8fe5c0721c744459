"""``aquagrowth recompute``: compute and store the daily states of batches.

The command chooses the path, which is why it lives in the distributed app: local
processes (the runner's process pool) or Celery workers (one task per batch). Both take
one :class:`RecomputeOptions` and give :class:`BatchResult` back, so the report is the
same whichever path ran.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from aquagrowth.distributed.dispatch import recompute_farm_via_celery
from aquagrowth.distributed.tasks import NotQueued
from aquagrowth.engine.runner import (
    BatchResult,
    RecomputeOptions,
    recompute_batches,
    refresh_statistics,
)
from aquagrowth.engine.stale import sweep_stale_runs
from aquagrowth.farm.models import Batch


class Command(BaseCommand):
    help = (
        "Recompute the actual daily states of all batches, or of those named with --batch. "
        "With --since DATE only the rows a change on DATE can alter are rewritten (from "
        "the anchor before DATE, downstream through transfers). Each batch is written in "
        "one transaction; a failing batch is reported and the others go on. Exits 1 when "
        "any batch failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """The options of both paths; --workers applies to local processes only (Celery
        runs as many at once as the workers have processes)."""
        parser.add_argument(
            "--batch",
            action="append",
            default=[],
            metavar="NUMBER",
            help="Batch number (repeatable); default all batches.",
        )
        parser.add_argument(
            "--since",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="First day that changed: recompute only the window it can alter.",
        )
        parser.add_argument(
            "--end",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="Last day to compute for open assignments (default today).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Worker processes, each with its own database connection (default 1).",
        )
        parser.add_argument(
            "--via",
            choices=["process", "celery"],
            default="process",
            help="Run in local processes (default) or fan out to Celery workers.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Rewrite every row, even of assignments whose computed rows did not change.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        """Recompute by the path asked, print one summary line; exit 1 if a batch failed,
        so that scripts and cron notice."""
        ids = _batch_ids(options["batch"])
        via_celery = options["via"] == "celery"
        wanted = RecomputeOptions(
            since=options["since"],
            end=options["end"],
            force=options["force"],
            trigger="celery" if via_celery else "cli",
        )
        console = Console(stderr=True)
        progress = not options["no_progress"]
        stale = sweep_stale_runs()
        if stale:
            console.print(f"{stale} run(s) left running by a dead process marked failed")
        started = time.perf_counter()
        if via_celery:
            results = _on_celery_workers(ids, wanted, console, progress)
        else:
            results = _in_processes(ids, wanted, options["workers"], console, progress)
        seconds = time.perf_counter() - started
        failed = [result for result in results if not result.ok]
        rows = sum(result.rows for result in results)
        written = sum(result.written for result in results)
        self.stdout.write(
            f"recomputed {len(ids) - len(failed)} of {len(ids)} batches: {rows:,} daily states "
            f"({written:,} rows written) in {seconds:.1f} s "
            f"({rows / max(seconds, 1e-9):,.0f} states/s)"
        )
        if failed:
            raise CommandError(f"{len(failed)} batch(es) failed")


def _batch_ids(numbers: list[str]) -> list[int]:
    """The ids of the batches named (all batches when none is), in number order.

    Raises ``CommandError`` for a number that names no batch, and when there is nothing
    to recompute: a typo must not pass as "0 of 0 batches recomputed".
    """
    batches = Batch.objects.order_by("number")
    if numbers:
        batches = batches.filter(number__in=numbers)
        unknown = set(numbers) - set(batches.values_list("number", flat=True))
        if unknown:
            raise CommandError(f"unknown batch number(s): {', '.join(sorted(unknown))}")
    ids = list(batches.values_list("id", flat=True))
    if not ids:
        raise CommandError("no batches to recompute (build a farm with `aquagrowth generate`)")
    return ids


def _in_processes(
    ids: list[int], options: RecomputeOptions, workers: int, console: Console, progress: bool
) -> list[BatchResult]:
    """Recompute in ``workers`` local processes; name each failed batch as it fails."""
    results = []
    bar = Progress(
        TextColumn("recompute"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not progress,
    )
    with bar:
        task = bar.add_task("batches", total=len(ids))
        for result in recompute_batches(ids, options, workers=workers):
            results.append(result)
            if not result.ok:
                console.print(f"[red]batch {result.number} failed:[/] {result.error}")
            bar.advance(task)
    return results


def _on_celery_workers(
    ids: list[int], options: RecomputeOptions, console: Console, progress: bool
) -> list[BatchResult]:
    """Recompute on the Celery workers, one task per batch; name the failed batches once
    all are done, then refresh the planner's statistics as a local run would."""
    try:
        results = recompute_farm_via_celery(ids, options, progress=progress)
    except NotQueued as exc:
        raise CommandError(f"recompute not queued: {exc}") from exc
    for result in results:
        if not result.ok:
            console.print(f"[red]batch {result.batch_id} failed:[/] {result.error}")
    refresh_statistics(sum(result.written for result in results))
    return results
