"""``generate``: build a synthetic farm (with its ground truth) into the database."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aquagrowth.generator.schedule import ScheduleError
from aquagrowth.generator.service import FarmNotEmpty, build_farm


class Command(BaseCommand):
    help = (
        "Build a synthetic salmon farm: infrastructure, batches, their events (feeding, "
        "mortality, growth samples, transfers, harvests, sensor readings), a scenario per "
        "batch and the true daily population and weight (generator_truedailystate). "
        "Its records are a real farm's (hidden losses, counting errors, gaps, late and "
        "ending records) unless --perfect-records is given or the profile (tiny) or "
        "schedule says so. The same --seed gives the same rows. Refuses a database that "
        "already holds batches unless --replace is given."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--profile",
            default="demo",
            help="profile name (demo, seed-scale, tiny) or a profile YAML path (default demo)",
        )
        parser.add_argument(
            "--schedule", type=Path, help="build from this schedule YAML (see the plan command)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--no-truth", action="store_true", help="do not write the ground-truth daily states"
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete every existing batch (with its events) and all readings first",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        records = parser.add_mutually_exclusive_group()
        records.add_argument(
            "--perfect-records",
            dest="perfect_records",
            action="store_const",
            const=True,
            help="record the truth exactly: every fish, count and record (the farm before "
            "the real farm's records)",
        )
        records.add_argument(
            "--real-records",
            dest="perfect_records",
            action="store_const",
            const=False,
            help="a real farm's records even where the profile or schedule says perfect",
        )

    def handle(self, *args, **options) -> None:
        try:
            summary = build_farm(
                options["profile"],
                seed=options["seed"],
                truth=not options["no_truth"],
                progress=not options["no_progress"],
                schedule=options["schedule"],
                replace=options["replace"],
                perfect_records=options["perfect_records"],
            )
        except (FarmNotEmpty, ScheduleError, FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        for table, count in summary.rows.items():
            self.stdout.write(f"{table:32} {count:>12,}")
        records = "perfect records" if summary.perfect_records else "a real farm's records"
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary.profile} ({records}): {summary.batches} batches, "
                f"{summary.events:,} events, "
                f"as of {summary.as_of}, {summary.seconds_total:.1f} s "
                f"(simulate {summary.seconds_simulate:.1f} s, load {summary.seconds_load:.1f} s)"
            )
        )
