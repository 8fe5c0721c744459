"""``aquagrowth report REPORT``: reports a farm publishes, computed from its records.

One command with a subcommand per report (``aquagrowth report unexplained-loss``), so
the reports share their name space and ``aquagrowth report --help`` lists them.

Exit status: 0 when the report was made (also when it has no row), 2 for bad arguments
(a batch or site that does not exist, an unknown report; argparse's own status too),
1 when the CSV file cannot be written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console

from aquagrowth.analysis import loss_output
from aquagrowth.analysis.unexplained_loss import UnknownSite, unexplained_loss
from aquagrowth.farm.models import Batch

BAD_ARGUMENTS = 2
UNEXPLAINED_LOSS = "unexplained-loss"
WIDTH_WHEN_PIPED = 180
"""Columns of the tables in a file or a pipe, where no terminal says how wide: the
widest table's rows fit on one line each."""


class Command(BaseCommand):
    help = (
        "Reports from the farm's records. `report unexplained-loss`: per pen emptied by a "
        "harvest and per site, the fish stocked, recorded mortality, transferred out, "
        "harvested and the unexplained loss (fish and % of stocked), as farms publish it "
        "for ASC. Exits 2 on bad arguments (an unknown batch or site)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """One subparser per report."""
        reports = parser.add_subparsers(dest="report", required=True, metavar="REPORT")
        loss = reports.add_parser(
            UNEXPLAINED_LOSS,
            help="unexplained loss per harvested pen and per site (ASC)",
            description=(
                "Per stay a harvest emptied: stocked - recorded mortality - transferred out "
                "- harvested, in fish and %% of stocked (negative: a gain); per site (a "
                "freshwater station or a sea area) and batch the same summed. Stays still "
                "holding fish are not in it (they are counted). From the records, so true "
                "before any recompute. See docs/engine.md, 'Unexplained loss report'."
            ),
        )
        loss.add_argument("--batch", metavar="NUMBER", help="Only this batch.")
        loss.add_argument("--site", metavar="NAME", help="Only this station or sea area.")
        loss.add_argument(
            "--csv", type=Path, metavar="FILE", help="Also write the rows to FILE (CSV)."
        )
        loss.add_argument(
            "--json", action="store_true", help="Print one JSON object instead of tables."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the report asked for."""
        if options["report"] != UNEXPLAINED_LOSS:  # argparse refuses any other name
            raise CommandError(f"unknown report {options['report']}", returncode=BAD_ARGUMENTS)
        batch = None
        if options["batch"] is not None:
            batch = Batch.objects.filter(number=options["batch"]).first()
            if batch is None:
                raise CommandError(
                    f"no batch numbered {options['batch']}", returncode=BAD_ARGUMENTS
                )
        try:
            report = unexplained_loss(batch=batch, site=options["site"])
        except UnknownSite as error:
            raise CommandError(
                f"no freshwater station or sea area named {error}", returncode=BAD_ARGUMENTS
            ) from error
        if options["csv"] is not None:
            try:
                with options["csv"].open("w", newline="", encoding="utf-8") as out:
                    rows = loss_output.write_csv(report, out)
            except OSError as error:
                raise CommandError(f"cannot write {options['csv']}: {error}") from error
            self.stderr.write(f"{rows} rows written to {options['csv']}")
        if options["json"]:
            self.stdout.write(loss_output.to_json(report))
        else:
            console = Console(file=self.stdout)
            if not console.is_terminal:
                console.width = WIDTH_WHEN_PIPED
            loss_output.print_report(report, console)
