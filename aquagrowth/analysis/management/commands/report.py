"""``aquagrowth report REPORT``: reports a farm publishes, computed from its records.

One command with a subcommand per report (``aquagrowth report unexplained-loss``), so
the reports share their name space and ``aquagrowth report --help`` lists them.

Exit status: 0 when the report was made (also when it has no row), 2 for bad arguments
(a batch or site that does not exist, an unknown report; argparse's own status too),
1 when the CSV file cannot be written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder
from rich.console import Console

from aquagrowth.analysis import loss_output
from aquagrowth.analysis.unexplained_loss import UnknownSite, unexplained_loss
from aquagrowth.farm.models import Batch

BAD_ARGUMENTS = 2
UNEXPLAINED_LOSS = "unexplained-loss"
MONTHLY = "monthly"
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

        monthly = reports.add_parser(
            MONTHLY,
            help="the monthly site report (stock, stocked, mortality, harvest, feed)",
            description="One site's month from the daily states, balanced to the fish. "
            "See docs/sites.md, 'Monthly site report'.",
        )
        monthly.add_argument("--site", required=True, metavar="NAME")
        monthly.add_argument("--month", required=True, metavar="YYYY-MM")
        monthly.add_argument("--csv", type=Path, metavar="FILE", help="Also write FILE (CSV).")
        monthly.add_argument("--xlsx", type=Path, metavar="FILE", help="Also write FILE (.xlsx).")
        monthly.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the report asked for."""
        if options["report"] == MONTHLY:
            self._monthly(options)
            return
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

    def _monthly(self, options: dict[str, Any]) -> None:
        """``report monthly``: one site's month (docs/sites.md)."""
        from aquagrowth.sites import monthly_output
        from aquagrowth.sites.monthly import BadMonth, monthly_report, parse_month
        from aquagrowth.sites.site import UnknownSite, find_site

        try:
            site = find_site(options["site"])
            first = parse_month(options["month"])
        except UnknownSite as error:
            raise CommandError(
                f"no freshwater station or sea area named {error}", returncode=BAD_ARGUMENTS
            ) from error
        except BadMonth as error:
            raise CommandError(str(error), returncode=BAD_ARGUMENTS) from error
        report = monthly_report(site, first)
        try:
            if options["csv"] is not None:
                options["csv"].write_text(monthly_output.csv_text(report), encoding="utf-8")
            if options["xlsx"] is not None:
                options["xlsx"].write_bytes(monthly_output.xlsx_bytes(report))
        except OSError as error:
            raise CommandError(f"cannot write the report: {error}") from error
        if options["json"]:
            self.stdout.write(json.dumps(report.to_json(), cls=DjangoJSONEncoder))
        else:
            self.stdout.write("\n".join(monthly_output.lines(report)))
