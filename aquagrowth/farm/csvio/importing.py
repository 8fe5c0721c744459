"""Import a farm from a folder of CSV files: check every row, then store all or nothing.

Two passes over the files. The first parses and checks every row of every file against
the database and the rows above it, storing nothing; the second, run only when the
first found nothing wrong, inserts everything in one transaction with bulk inserts.
Both passes stream the files, so memory stays bounded by the keyed records (batches,
assignments, ...), never by the millions of events. Recompute triggers are off during
the load (:func:`aquagrowth.farm.signals.bulk_load`); the result says which batches to
recompute from which day instead.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, transaction

from aquagrowth.farm import daily_temperature
from aquagrowth.farm import models as m
from aquagrowth.farm.csvio.catalogue import STORED, Catalogue, Entry, Key
from aquagrowth.farm.csvio.errors import WHOLE_ROW, ErrorLog
from aquagrowth.farm.csvio.folder import files_present
from aquagrowth.farm.csvio.kinds.base import Kind, Row, origin
from aquagrowth.farm.csvio.kinds.events import READING_WINDOW_DAYS, ReadingKind
from aquagrowth.farm.csvio.progress import NoProgress, Progress
from aquagrowth.farm.csvio.reading import read_rows
from aquagrowth.farm.csvio.registry import all_kinds
from aquagrowth.farm.signals import bulk_load

log = logging.getLogger("aquagrowth.farm.csvio")

CHUNK_ROWS = 5000
"""Rows per bulk insert: large enough to amortise the round trip, small enough for
SQLite's limit on query parameters and for bounded memory."""


@dataclass
class ImportResult:
    """``stored`` and ``already_stored`` count rows per file; ``recompute_since`` maps the
    id of every batch whose daily states may have changed to the first day to recompute;
    ``files`` names the file each kind was read from (``feeding.csv``, ``feeding.xlsx``)."""

    errors: ErrorLog
    stored: dict[str, int] = field(default_factory=dict)
    already_stored: dict[str, int] = field(default_factory=dict)
    recompute_since: dict[int, dt.date] = field(default_factory=dict)
    batch_numbers: dict[int, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class _LoadRefused(Exception):
    def __init__(self, file: str, line: int, reason: str) -> None:
        super().__init__(reason)
        self.file, self.line, self.reason = file, line, reason


def import_farm(
    folder: Path,
    *,
    check_only: bool = False,
    progress: Progress | None = None,
    error_limit: int = 1000,
) -> ImportResult:
    """Check every file of ``folder`` and, when all is well and not ``check_only``, store it.

    Raises ``NotADirectoryError`` when ``folder`` is not a folder. Everything wrong with
    the data is in ``result.errors``, and then nothing was stored.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    progress = progress or NoProgress()
    errors = ErrorLog(limit=error_limit)
    result = ImportResult(errors=errors)
    kinds = all_kinds()
    present = files_present(folder, errors)
    result.files = {name: path.name for name, path in present.items()}
    catalogue = _stored_catalogue(kinds, present)
    skipped: dict[str, set[int]] = {}
    for kind in kinds:
        if kind.name in present:
            skipped[kind.name] = _check_file(kind, present[kind.name], catalogue, errors, progress)
    if errors or check_only:
        return result
    touched = _Touched()
    try:
        with transaction.atomic(), bulk_load():
            for kind in kinds:
                if kind.name in present:
                    stored = _load_file(
                        kind, present[kind.name], skipped[kind.name], catalogue, touched, progress
                    )
                    result.stored[kind.name] = stored
                    result.already_stored[kind.name] = len(skipped[kind.name])
            result.recompute_since, result.batch_numbers = touched.resolve()
            if result.stored.get("readings"):
                # Readings go in by bulk_create, which sends no signals.
                daily_temperature.refresh()
    except _LoadRefused as refused:
        errors.add(refused.file, refused.line, WHOLE_ROW, refused.reason)
        result.stored, result.recompute_since = {}, {}
        return result
    log.info("imported %s: %s", folder, result.stored)
    return result


def _stored_catalogue(kinds: list[Kind], present: dict[str, Path]) -> Catalogue:
    """Keys of the stored records that the files can refer to or collide with."""
    catalogue = Catalogue()
    for kind in kinds:
        if not kind.spec.key or not (kind.referenced or kind.name in present):
            continue
        entries = catalogue.of(kind.name)
        for pk, row in kind.stored_rows():
            entries[kind.key(row)] = Entry(STORED, pk, row)
            for columns in kind.spec.also_unique:
                catalogue.uniques.setdefault((kind.name, columns), {})[
                    tuple(row[c] for c in columns)
                ] = STORED
            kind.accept(STORED, row, catalogue)
    return catalogue


def _check_file(
    kind: Kind, path: Path, catalogue: Catalogue, errors: ErrorLog, progress: Progress
) -> set[int]:
    """Report every bad row of one file; return the lines identical to stored records."""
    spec = kind.spec
    skipped: set[int] = set()
    progress.start(f"check {path.name}", path.stat().st_size)

    def hold_key(line: int, row: Row) -> None:
        kind.hold_bad(row, catalogue)

    for line, row in read_rows(path, spec, errors, progress, on_bad_row=hold_key):
        before = errors.total

        def bad(column: str, reason: str, line: int = line) -> None:
            errors.add(path.name, line, column, reason)

        kind.check(row, catalogue, bad)
        kind.check_ranges(row, catalogue, bad)
        if errors.total > before:
            hold_key(line, row)
            continue
        if spec.key:
            key = kind.key(row)
            existing = catalogue.get(kind.name, key)
            if existing is not None:
                if _same_as_stored(kind, existing, row, bad):
                    skipped.add(line)
                continue
            if _clashes(kind, row, line, catalogue, bad):
                continue
            catalogue.of(kind.name)[key] = Entry(line, None, row)
        kind.accept(line, row, catalogue)
    progress.finish()
    return skipped


def _same_as_stored(kind: Kind, existing: Entry, row: Row, bad) -> bool:
    """A shared record given again exactly as stored is fine; anything else with a known
    key is a conflict (reported)."""
    key_column = kind.spec.key[-1]
    if existing.line != STORED:
        bad(key_column, f"the same {' + '.join(kind.spec.key)} is {origin(existing)}")
        return False
    if not kind.shared:
        bad(key_column, f"{' + '.join(str(k) for k in kind.key(row))} is already stored")
        return False
    for column in kind.spec.column_names:
        if existing.row[column] != row[column]:
            stored = kind.spec.columns[kind.spec.column_names.index(column)].cell.format(
                existing.row[column]
            )
            bad(column, f"already stored with {column} {stored!r}; the import never changes it")
            return False
    return True


def _clashes(kind: Kind, row: Row, line: int, catalogue: Catalogue, bad) -> bool:
    clash = False
    for columns in kind.spec.also_unique:
        seen = catalogue.uniques.setdefault((kind.name, columns), {})
        values: Key = tuple(row[c] for c in columns)
        if values in seen:
            where = "already stored" if seen[values] == STORED else f"given on line {seen[values]}"
            bad(columns[-1], f"the same {' + '.join(columns)} is {where}")
            clash = True
        else:
            seen[values] = line
    return clash


def _load_file(
    kind: Kind,
    path: Path,
    skipped: set[int],
    catalogue: Catalogue,
    touched: _Touched,
    progress: Progress,
) -> int:
    """Insert the rows of one checked file in chunks; return how many were stored."""
    name = path.name
    progress.start(f"load {name}", path.stat().st_size)
    count = 0
    chunk: list = []
    lines: list[int] = []
    for line, row in read_rows(path, kind.spec, ErrorLog(), progress):
        if line in skipped:
            continue
        chunk.append(kind.build(row, catalogue))
        lines.append(line)
        touched.note(kind, row, catalogue)
        if len(chunk) >= CHUNK_ROWS:
            count += _insert(kind, chunk, name, lines)
            chunk, lines = [], []
    count += _insert(kind, chunk, name, lines)
    if kind.spec.key and kind.referenced:
        _note_new_ids(kind, catalogue)
    kind.after_load(catalogue)
    progress.finish()
    return count


def _insert(kind: Kind, chunk: list, name: str, lines: list[int]) -> int:
    """Insert a chunk; when the database refuses it, find the row it refuses by inserting
    them one by one (each in a savepoint), so the report names that row's own line."""
    if not chunk:
        return 0
    try:
        # A savepoint keeps PostgreSQL's transaction usable to report the refusal.
        with transaction.atomic():
            kind.model.objects.bulk_create(chunk)
        return len(chunk)
    except (DatabaseError, ValueError, OverflowError) as error:
        refused = error
    for record, line in zip(chunk, lines, strict=True):
        try:
            with transaction.atomic():
                kind.model.objects.bulk_create([record])
        except (DatabaseError, ValueError, OverflowError) as error:
            raise _LoadRefused(name, line, _one_line(error)) from error
    raise _LoadRefused(name, lines[0], _one_line(refused)) from refused


def _one_line(error: Exception) -> str:
    """The database's reason in one line, without the SQL it quotes."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"the database refused this row: {first}"


def _note_new_ids(kind: Kind, catalogue: Catalogue) -> None:
    """Give the newly stored keys their ids, so later files can point at them."""
    entries = catalogue.of(kind.name)
    for pk, row in kind.stored_rows():
        entry = entries.get(kind.key(row))
        if entry is not None:
            entry.id = pk


@dataclass
class _Touched:
    """The first day touched per batch number, and per container for readings."""

    batches: dict[str, dt.date] = field(default_factory=dict)
    containers: dict[str, dt.date] = field(default_factory=dict)

    def note(self, kind: Kind, row: Row, catalogue: Catalogue) -> None:
        if isinstance(kind, ReadingKind):
            container, day = kind.touched_container(row)
            _keep_earliest(self.containers, container, day)
            return
        touched = kind.touched(row, catalogue)
        if touched is not None:
            _keep_earliest(self.batches, *touched)

    def resolve(self) -> tuple[dict[int, dt.date], dict[int, str]]:
        """Batch id -> first day to recompute; batch id -> number. A reading can change
        the temperature of days up to a week around it (interpolation)."""
        days = self._days_by_batch()
        batches = m.Batch.objects.filter(number__in=list(days))
        info = {
            number: (pk, start)
            for pk, number, start in batches.values_list("pk", "number", "start_date")
        }
        since: dict[int, dt.date] = {}
        for number, day in days.items():
            pk, start = info[number]
            since[pk] = max(day, start)
        return since, {pk: number for number, (pk, _) in info.items()}

    def _days_by_batch(self) -> dict[str, dt.date]:
        days = dict(self.batches)
        window = dt.timedelta(days=READING_WINDOW_DAYS)
        stays = m.Assignment.objects.filter(container__name__in=list(self.containers)).values_list(
            "batch__number", "container__name", "assignment_date", "departure_date"
        )
        for number, container, arrival, departure in stays:
            first = self.containers[container] - window
            if departure is None or departure > first:
                _keep_earliest(days, number, max(first, arrival))
        return days


def _keep_earliest(days: dict[str, dt.date], key: str, day: dt.date) -> None:
    if key not in days or day < days[key]:
        days[key] = day
