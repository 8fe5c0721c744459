"""``aquagrowth demo``: the main job on a fresh machine, end to end (``bin/demo``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console

from aquagrowth.demo.service import DEFAULT_WORKERS, DemoError, Recompute, run_demo
from aquagrowth.engine.core.weight_fit import Fit
from aquagrowth.engine.report import print_verification
from aquagrowth.engine.verify import Verification
from aquagrowth.generator.service import FarmSummary


class Command(BaseCommand):
    help = (
        "Build the demo farm if the database holds no batch, recompute every batch's "
        "daily states, verify them against the generator's ground truth and print a "
        "summary. Exits 1 when a batch fails or a check fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """Profile and seed of the farm built when the database is empty; processes."""
        parser.add_argument("--profile", default="demo", help="Generator profile (default demo).")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--workers",
            type=int,
            default=DEFAULT_WORKERS,
            help="Recompute worker processes (default: up to 2).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the demo; exit 1 when the farm cannot be built, a batch fails or a check
        fails (``bin/demo`` is also a smoke test of a fresh machine)."""
        console = Console(width=120)
        try:
            outcome = run_demo(
                _Printed(self, console),
                profile=options["profile"],
                seed=options["seed"],
                workers=options["workers"],
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        console.print(
            "open the Growth Analysis page: aquagrowth serve, then http://127.0.0.1:8000/ "
            "(a login: aquagrowth createsuperuser)"
        )
        if not outcome.ok:
            raise CommandError("the demo found problems (see above)")


class _Printed:
    """The demo's steps as the user reads them: its own lines through rich, the farm
    build's table through the command's stdout, as ``aquagrowth generate`` prints it."""

    def __init__(self, command: BaseCommand, console: Console) -> None:
        """Print through ``command``'s stdout and style, and through ``console``."""
        self.command = command
        self.console = console

    def building(self, profile: str, seed: int) -> None:
        """Say why the next seconds pass: a farm is being built."""
        self.console.print(f"building the {profile} farm (seed {seed})")

    def built(self, summary: FarmSummary) -> None:
        """Rows per table and the build's time, as ``aquagrowth generate`` prints them."""
        for table, count in summary.rows.items():
            self.command.stdout.write(f"{table:32} {count:>12,}")
        self.command.stdout.write(
            self.command.style.SUCCESS(
                f"{summary.profile}: {summary.batches} batches, {summary.events:,} events, "
                f"as of {summary.as_of}, {summary.seconds_total:.1f} s "
                f"(simulate {summary.seconds_simulate:.1f} s, load {summary.seconds_load:.1f} s)"
            )
        )

    def fitted(self, fit: Fit) -> None:
        """The fitted parameters in one line (``aquagrowth fit_weight_model`` gives more)."""
        p = fit.params
        self.console.print(
            f"fitted the weight model from the farm's records: sample CV {p.sample_cv:.3f}, "
            f"TGC drift {p.tgc_drift_sd:.4f}, scenario TGC CV {p.scenario_tgc_cv:.3f}, "
            f"transfer weight CV {p.transfer_weight_cv:.3f}"
        )

    def recomputed(self, recompute: Recompute) -> None:
        """The summary line, then each failed batch by number with its error."""
        self.console.print(recompute.summary())
        for result in recompute.failed:
            self.console.print(f"[red]batch {result.number} failed:[/] {result.error}")

    def verified(self, verification: Verification) -> None:
        """The checks and the accuracy tables."""
        print_verification(verification, self.console)
