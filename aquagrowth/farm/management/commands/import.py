"""``aquagrowth import DIR``: load a farm's CSV files, all or nothing."""

from __future__ import annotations

import getpass
import json as json_module
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console

from aquagrowth.farm.csvio import ImportResult, import_farm
from aquagrowth.farm.csvio.identity import RepeatPolicy
from aquagrowth.farm.csvio.importing import ImportOptions
from aquagrowth.farm.csvio.terminal import RichProgress
from aquagrowth.farm.csvio.undo import UndoRefused, undo_run
from aquagrowth.farm.models import Batch, ImportRun, Via

UPDATES_SHOWN = 50
"""Updated events said one by one; the rest are counted."""
RUNS_LISTED = 100


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
            "folder",
            metavar="DIR",
            type=Path,
            nargs="?",
            help="Folder with the CSV or .xlsx files.",
        )
        repeats = parser.add_mutually_exclusive_group()
        repeats.add_argument(
            "--skip-repeats",
            action="store_true",
            help="Leave out rows equal to a stored event that they do not name by identity "
            "(overlapping exports); by default such rows are reported and nothing is stored.",
        )
        repeats.add_argument(
            "--allow-repeat",
            action="store_true",
            help="Store rows equal to a stored event as new events (two equal counts of "
            "one day may both be real).",
        )
        parser.add_argument(
            "--undo",
            type=int,
            metavar="RUN",
            help="Undo import run RUN: remove what it stored, put back what it updated "
            "(see --runs); exit 1 when it cannot be undone.",
        )
        parser.add_argument(
            "--runs", action="store_true", help="List the import runs, newest first."
        )
        parser.add_argument("--json", action="store_true", help="With --runs: one JSON list.")
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

    def handle(
        self,
        *args,
        folder: Path | None,
        check: bool,
        max_errors: int,
        skip_repeats: bool,
        allow_repeat: bool,
        undo: int | None,
        runs: bool,
        json: bool,
        **options,
    ) -> None:
        if runs:
            self._list_runs(json)
            return
        if undo is not None:
            self._undo(undo)
            return
        if folder is None:
            raise CommandError("give DIR (or --runs, or --undo RUN)", returncode=2)
        # The raw stream under Django's wrapper: the wrapper appends a newline to every
        # write, which would break rich's redrawing of the bars.
        console = Console(file=self.stderr._out, stderr=True)
        settings = ImportOptions(
            check_only=check,
            error_limit=max_errors,
            repeats=RepeatPolicy(skip=skip_repeats, allow=allow_repeat),
            who_name=_os_user(),
            via=Via.CSV,
            origin=str(folder.resolve()),
        )
        try:
            with RichProgress(console) as progress:
                result = import_farm(folder, progress=progress, options=settings)
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
        for said in result.updates_said[:UPDATES_SHOWN]:
            self.stdout.write(said)
        if len(result.updates_said) > UPDATES_SHOWN:
            self.stdout.write(f"... and {len(result.updates_said) - UPDATES_SHOWN} more updates")
        for name, count in result.stored.items():
            notes = [
                f"{n} {what}"
                for n, what in (
                    (result.already_stored.get(name, 0), "already stored, unchanged"),
                    (result.updated.get(name, 0), "updated"),
                    (result.repeats_skipped.get(name, 0), "repeats skipped"),
                )
                if n
            ]
            note = f" ({', '.join(notes)})" if notes else ""
            file = result.files.get(name, f"{name}.csv")
            self.stdout.write(f"{file:<26} {count:>10} rows stored{note}")
        if result.run_id is not None:
            self.stdout.write(
                f"Import run {result.run_id} (undo: aquagrowth import --undo {result.run_id})"
            )
        else:
            self.stdout.write("Nothing changed.")
        self._say_recomputes(result.recompute_since, result.batch_numbers)

    def _say_recomputes(self, since_by_batch: dict, numbers: dict[int, str]) -> None:
        if not since_by_batch:
            return
        self.stdout.write("Daily states to recompute (triggers were off during the import):")
        for batch_id, since in sorted(since_by_batch.items(), key=lambda item: item[1]):
            number = numbers[batch_id]
            self.stdout.write(f"  aquagrowth recompute --batch {number} --since {since}")

    def _undo(self, run_id: int) -> None:
        try:
            result = undo_run(run_id, who_name=_os_user())
        except ImportRun.DoesNotExist as error:
            raise CommandError(f"no import run {run_id} (see --runs)", returncode=2) from error
        except UndoRefused as refused:
            raise CommandError(f"import {run_id} not undone: {refused}") from refused
        removed = ", ".join(f"{n} {what}" for what, n in result.removed.items()) or "nothing"
        self.stdout.write(
            f"Import {run_id} undone: removed {removed}; {result.restored} events restored."
        )
        numbers = dict(
            Batch.objects.filter(pk__in=list(result.recompute_since)).values_list("pk", "number")
        )
        self._say_recomputes(result.recompute_since, numbers)

    def _list_runs(self, as_json: bool) -> None:
        runs = ImportRun.objects.order_by("-pk")[:RUNS_LISTED]
        rows = [
            {
                "run": run.pk,
                "started_at": run.started_at.isoformat(),
                "via": run.via,
                "who": run.who_name,
                "origin": run.origin,
                "state": run.state,
                "counts": run.counts,
            }
            for run in runs
        ]
        if as_json:
            self.stdout.write(json_module.dumps(rows, indent=2))
            return
        for row in rows:
            stored = sum(c.get("stored", 0) for c in row["counts"].values())
            updated = sum(c.get("updated", 0) for c in row["counts"].values())
            self.stdout.write(
                f"{row['run']:>6}  {row['started_at'][:16]}  {row['via']:<4} {row['state']:<7}"
                f" {stored:>9} stored {updated:>6} updated  {row['who']}  {row['origin']}"
            )


def _os_user() -> str:
    """Who ran the command, for the run's record (empty where the OS cannot tell)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""
