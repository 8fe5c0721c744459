"""``aquagrowth demo``: the main job on a fresh machine, end to end."""

from __future__ import annotations

import os
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console

from aquagrowth.engine.report import print_verification
from aquagrowth.engine.runner import recompute_batches
from aquagrowth.engine.verify import verify
from aquagrowth.farm.models import Batch


class Command(BaseCommand):
    help = (
        "Build the demo farm if the database holds no batch, recompute every batch's "
        "daily states, verify them against the generator's ground truth and print a "
        "summary. Exits 1 when a batch fails or a check fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("--profile", default="demo", help="Generator profile (default demo).")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--workers",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="Recompute worker processes (default: up to 2).",
        )

    def handle(self, *args, **options):
        console = Console(width=120)
        if not Batch.objects.exists():
            console.print(f"building the {options['profile']} farm (seed {options['seed']})")
            call_command("generate", profile=options["profile"], seed=options["seed"])
        ids = list(Batch.objects.order_by("number").values_list("id", flat=True))
        started = time.perf_counter()
        results = list(recompute_batches(ids, workers=options["workers"]))
        seconds = time.perf_counter() - started
        rows = sum(r.rows for r in results)
        written = sum(r.written for r in results)
        failed = [r for r in results if not r.ok]
        console.print(
            f"recomputed {len(results) - len(failed)} of {len(results)} batches: {rows:,} daily "
            f"states ({written:,} rows written) in {seconds:.1f} s "
            f"({rows / max(seconds, 1e-9):,.0f} states/s, "
            f"{max(r.queries for r in results)} queries per batch at most)"
        )
        for r in failed:
            console.print(f"[red]batch {r.number} failed:[/] {r.error}")
        result = verify(ids)
        print_verification(result, console)
        console.print(
            "open the Growth Analysis page: aquagrowth runserver, then http://127.0.0.1:8000/"
        )
        if failed or not result.ok:
            raise CommandError("the demo found problems (see above)")
