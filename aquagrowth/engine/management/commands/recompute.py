"""``aquagrowth recompute``: compute and store the daily states of batches."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from aquagrowth.engine.runner import RecomputeOptions, recompute_batches, refresh_statistics
from aquagrowth.farm.models import Batch


class Command(BaseCommand):
    help = (
        "Recompute the actual daily states of all batches, or of those named with --batch. "
        "With --since DATE only the rows a change on DATE can alter are rewritten (from "
        "the anchor before DATE, downstream through transfers). Each batch is written in "
        "one transaction; a failing batch is reported and the others go on. Exits 1 when "
        "any batch failed."
    )

    def add_arguments(self, parser):
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

    def handle(self, *args, **options):
        batches = Batch.objects.order_by("number")
        if options["batch"]:
            batches = batches.filter(number__in=options["batch"])
            unknown = set(options["batch"]) - set(batches.values_list("number", flat=True))
            if unknown:
                raise CommandError(f"unknown batch number(s): {', '.join(sorted(unknown))}")
        ids = list(batches.values_list("id", flat=True))
        if not ids:
            raise CommandError("no batches to recompute (build a farm with `aquagrowth generate`)")
        console = Console(stderr=True)
        started = time.perf_counter()
        via_celery = options["via"] == "celery"
        wanted = RecomputeOptions(
            since=options["since"],
            end=options["end"],
            force=options["force"],
            trigger="celery" if via_celery else "cli",
        )
        if via_celery:
            from aquagrowth.distributed.dispatch import recompute_farm_via_celery

            results = recompute_farm_via_celery(ids, wanted, progress=not options["no_progress"])
            failed = [r for r in results if not r.ok]
            rows = sum(r.rows for r in results)
            written = sum(r.written for r in results)
            for r in failed:
                console.print(f"[red]batch {r.batch_id} failed:[/] {r.error}")
            refresh_statistics(written)
        else:
            failed, rows, written = [], 0, 0
            progress = Progress(
                TextColumn("recompute"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                disable=options["no_progress"],
            )
            with progress:
                task = progress.add_task("batches", total=len(ids))
                for result in recompute_batches(ids, wanted, workers=options["workers"]):
                    rows += result.rows
                    written += result.written
                    if not result.ok:
                        failed.append(result)
                        console.print(f"[red]batch {result.number} failed:[/] {result.error}")
                    progress.advance(task)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"recomputed {len(ids) - len(failed)} of {len(ids)} batches: {rows:,} daily states "
            f"({written:,} rows written) in {seconds:.1f} s "
            f"({rows / max(seconds, 1e-9):,.0f} states/s)"
        )
        if failed:
            raise CommandError(f"{len(failed)} batch(es) failed")
