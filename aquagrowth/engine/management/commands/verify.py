"""``aquagrowth verify``: check the stored daily states and report their accuracy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console

from aquagrowth.engine.report import print_verification, verification_json
from aquagrowth.engine.verify import verify
from aquagrowth.farm.models import Batch


class Command(BaseCommand):
    help = (
        "Check the daily states: every assignment day has a row, a batch's fish never "
        "increase (no doubling at transfers), its mean weight never jumps without an anchor; "
        "where the generator's ground truth exists, print the error of weight, population "
        "and biomass (median and 95th percentile, per stage); on every farm with harvests, "
        "each harvested pen's estimate before its harvest against the harvest. Exits 1 "
        "when a check fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """Which batches, and the day the states were computed to."""
        parser.add_argument("--batch", action="append", default=[], metavar="NUMBER")
        parser.add_argument(
            "--end",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="The day the states were computed to (recompute --end; default today).",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print one JSON object (docs/engine.md, Verification) instead of the tables.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Print the checks and the accuracy; exit 1 when a check fails."""
        ids = None
        if options["batch"]:
            ids = list(
                Batch.objects.filter(number__in=options["batch"]).values_list("id", flat=True)
            )
        result = verify(ids, end=options["end"])
        if options["json"]:
            self.stdout.write(verification_json(result))
        else:
            print_verification(result, Console(width=120))
        if not result.ok:
            raise CommandError("verification failed")
