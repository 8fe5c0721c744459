"""``aquagrowth import DIR``: load a farm's CSV files, all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console

from aquagrowth.farm.csvio import ImportResult, import_farm
from aquagrowth.farm.csvio.terminal import RichProgress


class Command(BaseCommand):
    help = (
        "Import a farm's data from DIR, a folder of CSV files in the format of "
        "docs/csv-format.md (containers.csv, batches.csv, assignments.csv, ...; any subset), "
        "comma or semicolon separated, or Excel workbooks of the same names (feeding.xlsx). "
        "Every row of every file is checked first; each bad one is reported as "
        "file:line:column: reason (the header is line 1) and then nothing is stored and the "
        "exit status is 1. Otherwise everything is stored in one transaction, added to what "
        "the database already holds. Recompute triggers are off during the load; the "
        "command lists the batches to recompute and from which day."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "folder", metavar="DIR", type=Path, help="Folder with the CSV or .xlsx files."
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check the files and report bad rows; store nothing.",
        )
        parser.add_argument(
            "--max-errors",
            type=int,
            default=1000,
            metavar="N",
            help="Show at most N bad rows (all are counted). Default 1000.",
        )

    def handle(self, *args, folder: Path, check: bool, max_errors: int, **options) -> None:
        # The raw stream under Django's wrapper: the wrapper appends a newline to every
        # write, which would break rich's redrawing of the bars.
        console = Console(file=self.stderr._out, stderr=True)
        try:
            with RichProgress(console) as progress:
                result = import_farm(
                    folder, check_only=check, progress=progress, error_limit=max_errors
                )
        except NotADirectoryError as error:
            raise CommandError(str(error), returncode=2) from error
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            if result.errors.omitted:
                self.stderr.write(f"... and {result.errors.omitted} more")
            raise CommandError(f"{result.errors.total} bad rows in {folder}; nothing was stored.")
        if check:
            self.stdout.write(f"{folder}: every row is valid (nothing stored, --check).")
            return
        self._report(result)

    def _report(self, result: ImportResult) -> None:
        for name, count in result.stored.items():
            kept = result.already_stored.get(name, 0)
            note = f" ({kept} already stored, unchanged)" if kept else ""
            file = result.files.get(name, f"{name}.csv")
            self.stdout.write(f"{file:<26} {count:>10} rows stored{note}")
        if not result.recompute_since:
            return
        self.stdout.write("Daily states to recompute (triggers were off during the import):")
        for batch_id, since in sorted(result.recompute_since.items(), key=lambda item: item[1]):
            number = result.batch_numbers[batch_id]
            self.stdout.write(f"  aquagrowth recompute --batch {number} --since {since}")
