"""``aquagrowth export DIR [--batch NUMBER ...]``: write a farm's data as CSV files."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console

from aquagrowth.farm.csvio import UnknownBatches, export_farm
from aquagrowth.farm.csvio.terminal import RichProgress


class Command(BaseCommand):
    help = (
        "Export the farm's data into DIR as CSV files in the format of docs/csv-format.md, "
        "the format `aquagrowth import` reads: importing the folder into an empty database "
        "gives the same farm. Daily states and ground truth are derived data and not "
        "exported. DIR is created if needed and must not already hold files of the format."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", metavar="DIR", type=Path, help="Folder to write into.")
        parser.add_argument(
            "--batch",
            dest="batches",
            action="extend",
            nargs="+",
            metavar="NUMBER",
            help=(
                "Export only these batches (repeatable), with every shared record "
                "(species, infrastructure, parameters, sensors) and the readings of their "
                "containers during their stays and a week either side."
            ),
        )

    def handle(self, *args, folder: Path, batches: list[str] | None, **options) -> None:
        # The raw stream under Django's wrapper: the wrapper appends a newline to every
        # write, which would break rich's redrawing of the bars.
        console = Console(file=self.stderr._out, stderr=True)
        try:
            with RichProgress(console, unit="rows") as progress:
                written = export_farm(folder, batches, progress=progress)
        except (FileExistsError, UnknownBatches) as error:
            raise CommandError(str(error), returncode=2) from error
        for name, count in written.items():
            self.stdout.write(f"{name + '.csv':<26} {count:>10} rows")
