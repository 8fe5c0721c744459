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
import gc
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection, transaction

from aquagrowth.db.bulk import SQLITE_CACHE_KIB, foreign_keys_checked_after, indexes_built_after
from aquagrowth.farm import daily_temperature
from aquagrowth.farm import models as m
from aquagrowth.farm.audit import event_values, record_change
from aquagrowth.farm.csvio.blocks import Block
from aquagrowth.farm.csvio.catalogue import STORED, Catalogue, Entry, Key
from aquagrowth.farm.csvio.cells import CellError
from aquagrowth.farm.csvio.errors import WHOLE_ROW, ErrorLog, HeldErrors
from aquagrowth.farm.csvio.folder import files_present
from aquagrowth.farm.csvio.identity import Judge, RepeatPolicy, Verdict, Verdicts, own_source
from aquagrowth.farm.csvio.kinds.base import Kind, Row, origin
from aquagrowth.farm.csvio.kinds.events import READING_WINDOW_DAYS, ReadingKind
from aquagrowth.farm.csvio.loading import RowRefused, TableLoader
from aquagrowth.farm.csvio.progress import NoProgress, Progress
from aquagrowth.farm.csvio.registry import all_kinds
from aquagrowth.farm.csvio.sources import FileSource, RecordSource, Source
from aquagrowth.farm.models import ChangeAction, ImportedRecord, ImportRun, Via
from aquagrowth.farm.signals import bulk_load

log = logging.getLogger("aquagrowth.farm.csvio")

CHUNK_ROWS = 5000
"""Rows per bulk insert: large enough to amortise the round trip, small enough for
SQLite's limit on query parameters and for bounded memory."""


@dataclass
class ImportResult:
    """Rows per file: ``stored`` (new), ``already_stored`` (keyed records and events equal
    to stored ones: unchanged), ``updated`` (events changed by identity, said in
    ``updates_said``), ``repeats_skipped``. ``recompute_since`` maps the id of every batch
    whose daily states may have changed to the first day to recompute; ``run_id`` is the
    import run that can be undone (None when nothing was stored or updated); ``files``
    names the file each kind was read from (``feeding.csv``, ``feeding.xlsx``)."""

    errors: ErrorLog
    stored: dict[str, int] = field(default_factory=dict)
    already_stored: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    repeats_skipped: dict[str, int] = field(default_factory=dict)
    updates_said: list[str] = field(default_factory=list)
    recompute_since: dict[int, dt.date] = field(default_factory=dict)
    batch_numbers: dict[int, str] = field(default_factory=dict)
    run_id: int | None = None
    files: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return any(self.stored.values()) or any(self.updated.values())


@dataclass(frozen=True)
class ImportOptions:
    """How to import: ``check_only`` stores nothing; ``repeats`` says what to do with a
    row equal to a stored event it does not name; who and through what, for the run."""

    check_only: bool = False
    repeats: RepeatPolicy = field(default_factory=RepeatPolicy)
    who: Any = None
    who_name: str = ""
    via: str = Via.CSV
    origin: str = ""
    error_limit: int = 1000
    by_columns: bool = True
    """Check and store the event files a block of rows at a time (:mod:`.blocks`,
    :mod:`.loading`); False: the per-row path (kept to hold the two to the same result,
    ``tests/farm/test_block_import.py``)."""


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
    options: ImportOptions | None = None,
) -> ImportResult:
    """Check every file of ``folder`` and, when all is well and not ``check_only``, store it.

    Raises ``NotADirectoryError`` when ``folder`` is not a folder. Everything wrong with
    the data is in ``result.errors``, and then nothing was stored.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    options = options or ImportOptions(
        check_only=check_only, error_limit=error_limit, origin=str(folder)
    )
    errors = ErrorLog(limit=options.error_limit)
    present = _files_present(folder, errors)
    return import_sources(present, options, progress, errors)


def import_records(
    kind_name: str, records: Sequence[dict[str, str]], options: ImportOptions
) -> ImportResult:
    """Check and store rows of one kind given as text cells by column name (the event
    API's rows), all or nothing, with findings ``[index].column: reason``."""
    header = list(dict.fromkeys(column for record in records for column in record))
    source = RecordSource(header, [[record.get(c, "") for c in header] for record in records])
    return import_sources({kind_name: source}, options)


def import_sources(
    present: dict[str, Source],
    options: ImportOptions,
    progress: Progress | None = None,
    errors: ErrorLog | None = None,
) -> ImportResult:
    """Check every source (by kind name) and, when all is well, store them in one
    transaction as one import run."""
    progress = progress or NoProgress()
    errors = errors if errors is not None else ErrorLog(limit=options.error_limit)
    result = ImportResult(errors=errors)
    result.files = {name: source.name for name, source in present.items() if source.name}
    kinds = all_kinds()
    with collecting_rarely():
        return _import(kinds, present, options, progress, errors, result)


def _tally(result: ImportResult, kind: Kind, stored: int, done: _Checked) -> None:
    """What one file stored, found stored already, updated and skipped."""
    result.stored[kind.name] = stored
    result.already_stored[kind.name] = done.unchanged
    result.updated[kind.name] = done.verdicts.counts[Verdict.UPDATE]
    result.repeats_skipped[kind.name] = done.verdicts.counts[Verdict.REPEAT_SKIPPED]
    result.updates_said.extend(done.updates_said)


def _close_run(run: ImportRun, result: ImportResult, touched: _Touched) -> None:
    """The import's last steps inside its transaction: the batches to recompute, the
    daily temperatures, and the run kept with its counts (deleted when nothing changed)."""
    result.recompute_since, result.batch_numbers = touched.resolve()
    if result.stored.get("readings") or result.updated.get("readings"):
        # Readings go in by bulk_create, which sends no signals.
        _refresh_temperatures(touched.containers)
    if result.changed:
        run.counts = _run_counts(result)
        run.save(update_fields=["counts"])
        result.run_id = run.pk
    else:
        # Nothing refers to a run that changed nothing; ``run.delete()`` would still
        # set its events' ``import_run`` to NULL, a scan of every event table (the
        # column has no index), on every request sent again.
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(ImportRun._meta.db_table)
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [run.pk])


def _refresh_temperatures(first_days: dict[str, dt.date]) -> None:
    """The daily temperatures of the containers whose readings the import stored or
    changed, from the first day it touched on (not every container's every day: that
    grew with the farm's history, 0.5 s for a request of a day's readings)."""
    ids = dict(m.Container.objects.filter(name__in=list(first_days)).values_list("name", "pk"))
    if ids:
        start = min(first_days[name] for name in ids)
        daily_temperature.refresh(sorted(ids.values()), start=start)


def _import(
    kinds: list[Kind],
    present: dict[str, Source],
    options: ImportOptions,
    progress: Progress,
    errors: ErrorLog,
    result: ImportResult,
) -> ImportResult:
    """Check and store: by columns in one pass, each file stored as it is checked inside
    the transaction, rolled back if anything was found; per row, check all, then store."""
    catalogue = _stored_catalogue(kinds, present)
    farm_source = own_source()
    names = [kind for kind in kinds if kind.name in present]
    by_blocks = {
        kind.name: options.by_columns and kind.columnar and hasattr(present[kind.name], "blocks")
        for kind in names
    }
    empty = {kind.name: not kind.model.objects.exists() for kind in names if by_blocks[kind.name]}
    for kind in names:
        kind.before_storing()

    def check(kind: Kind, store: _BlockStore | None = None) -> _Checked:
        source = present[kind.name]
        if by_blocks[kind.name]:
            judged = not empty[kind.name]
            return _check_blocks(
                kind, source, catalogue, errors, progress, options, farm_source, judged, store
            )
        return _check_file(kind, source, catalogue, errors, progress, options, farm_source)

    one_pass = options.by_columns and not options.check_only
    checked: dict[str, _Checked] = {}
    if not one_pass:
        for kind in names:
            checked[kind.name] = check(kind)
        if errors or options.check_only:
            return result
    touched = _Touched()
    try:
        with transaction.atomic(), bulk_load():
            run = ImportRun.objects.create(
                who=options.who if getattr(options.who, "is_authenticated", False) else None,
                who_name=options.who_name,
                via=options.via,
                origin=options.origin[:500],
            )
            for kind in names:
                source = present[kind.name]
                if not one_pass:
                    done = checked[kind.name]
                    stored = _load_file(
                        kind, source, done, catalogue, touched, progress, run, options
                    )
                elif by_blocks[kind.name]:
                    store = _BlockStore(
                        kind, catalogue, touched, run, options, errors, source.name,
                        streaming=empty[kind.name],
                    )  # fmt: skip
                    done, stored = _stored_by_blocks(kind, store, check, empty[kind.name])
                else:
                    done = check(kind)
                    stored = 0
                    if not errors:
                        stored = _load_file(
                            kind, source, done, catalogue, touched, progress, run, options
                        )
                _tally(result, kind, stored, done)
            if errors:
                raise _NothingStored
            _close_run(run, result, touched)
    except _LoadRefused as refused:
        errors.add(refused.file, refused.line, WHOLE_ROW, refused.reason)
        return _nothing_stored(result)
    except _NothingStored:
        return _nothing_stored(result)
    log.info("imported %s: %s", options.origin, result.stored)
    return result


def _stored_by_blocks(kind: Kind, store: _BlockStore, check, empty: bool) -> tuple[_Checked, int]:
    """Check an event file a block at a time, each block stored as it is checked; a
    farm's first file of a kind (from a file) with the table's indexes built once,
    after the load. The loader's open ``COPY``, if any, is ended whatever happens."""
    checking = _into_empty_table(check) if empty and store.file else check
    try:
        done = checking(kind, store)
        return done, store.finish()
    finally:
        store.loader.close()


class _NothingStored(Exception):
    """Rolls the import's transaction back: something was found wrong."""


def _nothing_stored(result: ImportResult) -> ImportResult:
    result.stored, result.updated, result.recompute_since = {}, {}, {}
    result.already_stored, result.repeats_skipped, result.updates_said = {}, {}, []
    result.run_id = None
    return result


@contextmanager
def collecting_rarely() -> Iterator[None]:
    """The garbage collector paused for objects made so far and run rarely: an import
    makes millions of short-lived tuples that hold no cycles, and each collection would
    walk the catalogue's long-lived entries again."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(200_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _run_counts(result: ImportResult) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for name, stored in result.stored.items():
        counts[name] = {
            "stored": stored,
            "updated": result.updated.get(name, 0),
            "unchanged": result.already_stored.get(name, 0),
            "repeats_skipped": result.repeats_skipped.get(name, 0),
        }
    return counts


@dataclass
class _Checked:
    """What the check pass learnt of one file for the load: verdicts by line."""

    verdicts: Verdicts = field(default_factory=Verdicts)
    updates_said: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return self.verdicts.counts[Verdict.UNCHANGED]


def _files_present(folder: Path, errors: ErrorLog) -> dict[str, Source]:
    """The format's files found in ``folder`` (``feeding.csv`` or ``feeding.xlsx``); every
    file it will not read is reported (:func:`folder.files_present`)."""
    return {name: FileSource(path) for name, path in files_present(folder, errors).items()}


NAMED_BY: dict[str, tuple[str, tuple[str, ...]]] = {
    "containers": ("name", ("container", "source_container", "dest_container")),
    "parameters": ("code", ("parameter",)),
    "sensors": ("serial", ("sensor",)),
}
"""Shared kinds an event request names (model field, the columns naming it); the other
shared kinds (species, stages, infrastructure) are a farm's few rows, held whole."""
BY_BATCH = ("batches", "assignments", "scenarios", "scenario_stages", "temperature_profile")
"""Kinds of a batch: held for the batches a request names."""


@dataclass(frozen=True)
class Named:
    """What the rows of an import in memory (the event API's) name: batch ids, and the
    names in each column that names a shared record."""

    batch_ids: set[int]
    texts: dict[str, set[str]]

    def restrict(self, kind: Kind) -> Any:
        """The stored records of ``kind`` these rows can refer to or collide with."""
        if kind.name in BY_BATCH or kind.name == "fish":
            return kind.stored(self.batch_ids)
        if kind.name in NAMED_BY:
            field_name, columns = NAMED_BY[kind.name]
            names = set().union(*(self.texts.get(c, set()) for c in columns))
            return kind.stored(None).filter(**{f"{field_name}__in": names})
        return kind.stored(None)


def _named(kinds: list[Kind], present: dict[str, Source]) -> Named | None:
    """What rows given in memory name (None when any source is a file): the cells of the
    naming columns parsed as the import parses them."""
    if not all(isinstance(source, RecordSource) for source in present.values()):
        return None
    specs = {kind.name: kind.spec for kind in kinds}
    texts: dict[str, set[str]] = {}
    for name, source in present.items():
        cells = {c.name: c.cell for c in specs[name].columns} if name in specs else {}
        for index, column in enumerate(source.header):
            if column != "batch" and not any(column in c for _, c in NAMED_BY.values()):
                continue
            values = texts.setdefault(column, set())
            for text in {record[index] for record in source.records if index < len(record)}:
                try:
                    values.add(cells[column].parse(text))
                except (CellError, KeyError):
                    continue
    numbers = texts.get("batch", set())
    batch_ids = set(m.Batch.objects.filter(number__in=numbers).values_list("pk", flat=True))
    return Named(batch_ids, texts)


def _stored_catalogue(kinds: list[Kind], present: dict[str, Source]) -> Catalogue:
    """Keys of the stored records that the files can refer to or collide with; for rows
    given in memory (the event API), only those of what they name (:class:`Named`)."""
    catalogue = Catalogue()
    catalogue.named = _named(kinds, present)
    for kind in kinds:
        if not kind.spec.key or not (kind.referenced or kind.name in present):
            continue
        entries = catalogue.of(kind.name)
        for pk, row in _stored_of(kind, catalogue):
            entries[kind.key(row)] = Entry(STORED, pk, row)
            for columns in kind.spec.also_unique:
                catalogue.uniques.setdefault((kind.name, columns), {})[
                    tuple(row[c] for c in columns)
                ] = STORED
            kind.accept(STORED, row, catalogue)
    return catalogue


def _stored_of(kind: Kind, catalogue: Catalogue):
    if catalogue.named is None:
        return kind.stored_rows()
    return kind.as_rows(catalogue.named.restrict(kind))


def _check_file(
    kind: Kind,
    source: Source,
    catalogue: Catalogue,
    errors: ErrorLog,
    progress: Progress,
    options: ImportOptions,
    farm_source: str | None,
) -> _Checked:
    """Report every bad row of one file; give every line its verdict (new, unchanged,
    an update, a skipped repeat)."""
    spec = kind.spec
    checked = _Checked()
    judge = None
    if kind.identified or isinstance(kind, ReadingKind):
        judge = Judge(kind, catalogue, errors, source.name, options.repeats, farm_source)
        judge.verdicts = checked.verdicts
        judge.on_new = lambda line, row: kind.accept(line, row, catalogue)
    progress.start(f"check {source.name or spec.file_name}", source.size)

    def hold_key(line: int, row: Row) -> None:
        kind.hold_bad(row, catalogue)

    for line, row in source.rows(spec, errors, progress, on_bad_row=hold_key):
        before = errors.total

        def bad(column: str, reason: str, line: int = line) -> None:
            errors.add(source.name, line, column, reason)

        if spec.key:
            # A keyed record given again exactly as stored passed every check when it
            # was stored; one that differs, or repeats a line above, is reported.
            existing = catalogue.get(kind.name, kind.key(row))
            if existing is not None:
                if _same_as_stored(kind, existing, row, bad):
                    checked.verdicts.set(line, Verdict.UNCHANGED)
                continue
        kind.check(row, catalogue, bad)
        kind.check_ranges(row, catalogue, bad)
        if errors.total > before:
            hold_key(line, row)
            continue
        if spec.key:
            if _clashes(kind, row, line, catalogue, bad):
                continue
            catalogue.of(kind.name)[kind.key(row)] = Entry(line, None, row)
        if judge is not None:
            judge.offer(line, row)  # accepted once judged new (below)
        else:
            kind.accept(line, row, catalogue)
    if judge is not None:
        judge.flush()
        checked.updates_said = judge.updates_said
    progress.finish()
    return checked


def _check_blocks(
    kind: Kind,
    source: Source,
    catalogue: Catalogue,
    errors: ErrorLog,
    progress: Progress,
    options: ImportOptions,
    farm_source: str | None,
    judged: bool,
    store: _BlockStore | None = None,
) -> _Checked:
    """:func:`_check_file` of an event file a block at a time: cells parsed by column
    (:mod:`.blocks`), rows checked by column (``Kind.check_columns``), and only the
    flagged rows checked one by one, which reports them as :func:`_check_file` does.
    ``judged`` False (an empty table: nothing stored to be the same as) gives every
    row the verdict new without a query. ``store`` is given every block's valid rows,
    with their verdicts, while nothing was found wrong."""
    checked = _Checked()
    judge = None
    if judged and (kind.identified or isinstance(kind, ReadingKind)):
        judge = Judge(kind, catalogue, errors, source.name, options.repeats, farm_source)
        judge.verdicts = checked.verdicts
        judge.on_new = lambda line, row: kind.accept(line, row, catalogue)
        judge.not_of_run = store.run.pk if store is not None else None
    accepts = type(kind).accept is not Kind.accept
    progress.start(f"check {source.name or kind.spec.file_name}", source.size)

    def hold_key(line: int, row: Row) -> None:
        kind.hold_bad(row, catalogue)

    held = HeldErrors()
    for block in source.blocks(kind.spec, held, progress, on_bad_row=hold_key):
        refused = set()
        for index in kind.check_columns(block, catalogue):
            line = block.lines[index]
            row = block.row(index)

            def bad(column: str, reason: str, line: int = line) -> None:
                held.add(source.name, line, column, reason)

            before = held.total
            kind.check_flagged(index, row, catalogue, bad)
            if held.total > before:
                hold_key(line, row)
                refused.add(index)
        held.pass_on(errors)
        if judge is not None or accepts:
            for index, (line, row) in enumerate(block.rows()):
                if index in refused:
                    continue
                if judge is not None:
                    judge.offer(line, row)
                else:
                    kind.accept(line, row, catalogue)
        if store is not None and not errors:
            if judge is not None:
                judge.flush()  # every row of the block has its verdict
            good = [i for i in range(len(block)) if i not in refused] if refused else None
            store.add(block if good is None else block.keep(good), checked.verdicts)
    held.pass_on(errors)
    if judge is not None:
        judge.flush()
        checked.updates_said = judge.updates_said
    progress.finish()
    return checked


class _BlockStore:
    """Stores the checked blocks of one event file (:class:`loading.TableLoader`: COPY on
    PostgreSQL) and applies their updates; a row the database refuses is reported at
    its line, and nothing more of the file is stored."""

    def __init__(
        self,
        kind: Kind,
        catalogue: Catalogue,
        touched: _Touched,
        run: ImportRun,
        options: ImportOptions,
        errors: ErrorLog,
        file: str,
        *,
        streaming: bool = False,
    ) -> None:
        self.kind, self.catalogue, self.touched = kind, catalogue, touched
        self.file, self.finished = file, False
        self.run, self.options, self.errors = run, options, errors
        # Into a table empty when the import began, each block goes to an open COPY as
        # soon as it is checked (:mod:`.loading`): nothing is judged between blocks.
        self.loader = TableLoader(kind.model, {"import_run_id": run.pk}, streaming=streaming)
        self.first_days = touched.containers if isinstance(kind, ReadingKind) else touched.batches

    def add(self, block: Block, verdicts: Verdicts) -> None:
        kind = self.kind
        if verdicts.codes:
            new = []
            for index, line in enumerate(block.lines):
                verdict = verdicts.get(line)
                if verdict == Verdict.NEW:
                    new.append(index)
                elif verdict == Verdict.UPDATE:
                    row = block.row(index)
                    self.touched.note(kind, row, self.catalogue)
                    pk, stored = verdicts.updates[line]
                    _update(
                        kind, pk, row, stored, self.catalogue, self.touched, self.run, self.options
                    )
            block = block.keep(new)
        if not len(block):
            return
        for key, day in kind.touched_columns(block).items():
            _keep_earliest(self.first_days, key, day)
        self._guarded(
            lambda: self.loader.add(block.lines, kind.load_columns(block, self.catalogue))
        )

    def finish(self) -> int:
        if not self.errors:
            self._guarded(self.loader.flush)
        self.loader.close()
        if not self.errors:
            self.kind.after_load(self.catalogue)
        return self.loader.stored

    def _guarded(self, action) -> None:
        try:
            action()
        except RowRefused as refused:
            self.errors.add(self.file, refused.line, WHOLE_ROW, _one_line(refused.error))


def _into_empty_table(check):
    """``check`` (storing as it checks) with the table's secondary indexes dropped and
    rebuilt after (:mod:`aquagrowth.db.bulk`): one sorted build instead of millions of
    inserts into an index. On PostgreSQL the table is analysed after (its first
    statistics: the daily temperatures' query and every later one plan with them), and
    its foreign keys are dropped and checked once at the end only when the load cannot
    check each referenced record once itself (:mod:`aquagrowth.db.keys`): adding a key
    back joins every row (21 s of the seed-scale farm's 17 million readings)."""

    def checked(kind: Kind, store: _BlockStore) -> _Checked:
        table = kind.model._meta.db_table
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                # A larger page cache keeps the table's pages in memory during the load.
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        keys_after = store.loader.keys is None
        with (
            foreign_keys_checked_after([table]) if keys_after else nullcontext(),
            indexes_built_after([table]),
        ):
            done = check(kind, store)
            store.finish()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        return done

    return checked


def _same_as_stored(kind: Kind, existing: Entry, row: Row, bad) -> bool:
    """A keyed record given again exactly as stored is fine (an export imported into the
    farm it came from, the shared records of a batch's files); anything else with a
    known key is a conflict (reported): the import never changes keyed records."""
    key_column = kind.spec.key[-1]
    if existing.line != STORED:
        bad(key_column, f"the same {' + '.join(kind.spec.key)} is {origin(existing)}")
        return False
    for spec in kind.spec.columns:
        column = spec.name
        if row[column] is None and spec.empty_keeps_stored:
            continue
        if existing.row[column] != row[column]:
            stored = spec.cell.format(existing.row[column])
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
    source: Source,
    checked: _Checked,
    catalogue: Catalogue,
    touched: _Touched,
    progress: Progress,
    run: ImportRun,
    options: ImportOptions,
) -> int:
    """Insert the new rows of one checked file in chunks and apply its updates; return
    how many rows were stored."""
    name = source.name
    progress.start(f"load {source.name or kind.spec.file_name}", source.size)
    verdicts = checked.verdicts
    carries_run = hasattr(kind.model, "import_run_id")
    count = 0
    chunk: list = []
    lines: list[int] = []
    for line, row in source.rows(kind.spec, ErrorLog(), progress):
        verdict = verdicts.get(line)
        if verdict in (Verdict.UNCHANGED, Verdict.REPEAT_SKIPPED):
            continue
        touched.note(kind, row, catalogue)
        if verdict == Verdict.UPDATE:
            pk, stored = verdicts.updates[line]
            _update(kind, pk, row, stored, catalogue, touched, run, options)
            continue
        record = kind.build(row, catalogue)
        if carries_run:
            record.import_run_id = run.pk
        chunk.append(record)
        lines.append(line)
        if len(chunk) >= CHUNK_ROWS:
            count += _insert(kind, chunk, name, lines, run, carries_run)
            chunk, lines = [], []
    count += _insert(kind, chunk, name, lines, run, carries_run)
    if kind.spec.key and kind.referenced:
        _note_new_ids(kind, catalogue)
    kind.after_load(catalogue)
    progress.finish()
    return count


def _update(
    kind: Kind,
    pk: int,
    row: Row,
    stored: Row,
    catalogue: Catalogue,
    touched: _Touched,
    run: ImportRun,
    options: ImportOptions,
) -> None:
    """Change a stored event to the row's values, keeping its id, identity and run, and
    record the change; the event's old place is recomputed too."""
    touched.note(kind, stored, catalogue)
    event = kind.model.objects.get(pk=pk)
    before = event_values(event)
    fresh = kind.build(row, catalogue)
    kept = {"id", "import_run", "source", "external_id"}
    for model_field in kind.model._meta.concrete_fields:
        if model_field.name not in kept:
            setattr(event, model_field.attname, getattr(fresh, model_field.attname))
    event.save()
    record_change(
        event,
        ChangeAction.UPDATE,
        before,
        event_values(event),
        via=options.via,
        who=options.who,
        who_name=options.who_name,
        run=run,
    )


def _insert(
    kind: Kind, chunk: list, name: str, lines: list[int], run: ImportRun, carries_run: bool
) -> int:
    """Insert a chunk; when the database refuses it, find the row it refuses by inserting
    them one by one (each in a savepoint), so the report names that row's own line.
    Keyed records (which carry no run) are listed as the run's, for its undo."""
    if not chunk:
        return 0
    try:
        # A savepoint keeps PostgreSQL's transaction usable to report the refusal.
        with transaction.atomic():
            kind.model.objects.bulk_create(chunk)
        if not carries_run:
            label = kind.model._meta.label_lower
            ImportedRecord.objects.bulk_create(
                ImportedRecord(run=run, model=label, record_id=record.pk) for record in chunk
            )
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
    for pk, row in _stored_of(kind, catalogue):
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
