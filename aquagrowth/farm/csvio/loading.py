"""Store checked rows a table at a time: COPY on PostgreSQL, ``executemany`` on SQLite.

The check pass has already refused every row it can tell is wrong, so the database
almost never refuses one; rows therefore go in as large chunks without a model object
each (psycopg's ``cursor.copy`` with rows of Python values, its foreign keys checked
once per referenced record (:mod:`aquagrowth.db.keys`); SQLite's ``executemany`` of
100-row ``INSERT`` s with the values as Django writes them). Each chunk runs in a
savepoint: should the database refuse it (a value only the database catches), the
chunk is halved, and halved again, until the one row it refuses is found, so the
finding names that row's own line; the rows already stored stay within the import's
transaction, which the caller then rolls back (all or nothing).

Into a table that was empty when the import began (``streaming``), a chunk's ``COPY``
stays open while the next blocks are read and checked: each block's rows are written to
it as they come, so PostgreSQL stores one block while Python parses the next (the
connection's only statement, so the same transaction). Nothing else may run on the
connection while a ``COPY`` is open (psycopg holds its lock), so the loader ends its
``COPY`` first whenever anything else is about to run (:meth:`TableLoader._guard`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from django.db import DatabaseError, connection, models, transaction

from aquagrowth.db import keys
from aquagrowth.db.bulk import run_counted

LOAD_ROWS = 50_000
"""Rows per COPY or ``executemany`` (and per savepoint)."""


NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escaped(text: str) -> str:
    return text.translate(_ESCAPES)


class _Abandoned(Exception):
    """Ends an open ``COPY`` without storing its rows."""


class RowRefused(Exception):
    """The database refused the row of ``line``; ``error`` is its reason."""

    def __init__(self, line: int, error: Exception) -> None:
        super().__init__(str(error))
        self.line, self.error = line, error


SQLITE_ROWS_PER_INSERT = 100
"""Rows per ``INSERT ... VALUES (...), (...)`` on SQLite (fewer when the rows are wide:
at most 999 parameters, the oldest SQLite's limit)."""


def _insert_many(cursor, table: str, names: str, rows: list[tuple]) -> None:
    """SQLite: ``rows`` by ``executemany`` of statements of many rows each, then the rest
    one row a statement. Binding is the same; stepping one statement per 100 rows
    instead of per row halves SQLite's part of the load (1.4 to 0.7 s of CPU for
    700,000 readings)."""
    width = len(rows[0])
    per = max(1, min(SQLITE_ROWS_PER_INSERT, 999 // width))
    marks = "(" + ", ".join(["%s"] * width) + ")"
    whole = len(rows) - len(rows) % per
    if whole:
        statement = f"INSERT INTO {table} ({names}) VALUES {', '.join([marks] * per)}"
        cursor.executemany(
            statement,
            [
                list(chain.from_iterable(rows[start : start + per]))
                for start in range(0, whole, per)
            ],
        )
    if whole < len(rows):
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES {marks}", rows[whole:])


@dataclass
class _OpenCopy:
    """A chunk's ``COPY`` in progress: its savepoint, the rows written so far (kept to
    find a refused row), and whether the key triggers are off for it."""

    savepoint: str
    cursor: Any
    context: Any
    copy: Any
    triggers_off: bool
    rows: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    failed: BaseException | None = None


class TableLoader:
    """Collects rows of one model (columns by attname, with their lines) and stores
    them; ``fixed`` gives columns with one value for every row (the import run);
    ``streaming``: write each block to an open ``COPY`` (PostgreSQL, see the module)."""

    def __init__(
        self, model: type[models.Model], fixed: dict[str, Any], *, streaming: bool = False
    ) -> None:
        self.model = model
        self.fixed = fixed
        self.fields: list[models.Field] = []
        self.rows: list = []
        """Rows to write: COPY text lines on PostgreSQL, tuples of values on SQLite."""
        self.lines: list[int] = []
        self.stored = 0
        self.postgresql = connection.vendor == "postgresql"
        self._memo: dict[str, dict] = {}
        self.keys: dict[models.ForeignKey, set] | None = None
        """The ids each foreign key of the rows to write names (PostgreSQL, when the
        load may check them once each: :mod:`aquagrowth.db.keys`), else None."""
        if self.postgresql and keys.triggers_skippable(model._meta.db_table):
            self.keys = {key: set() for key in keys.key_fields(model)}
        self.streaming = streaming and self.postgresql
        self._open: _OpenCopy | None = None
        self._refused: RowRefused | None = None

    def add(self, lines: list[int], columns: dict[str, list[Any]]) -> None:
        if not lines:
            return
        if not self.fields:
            self.fields = self._fields(list(columns))
        count = len(lines)
        values = []
        for model_field in self.fields:
            name = model_field.attname
            if name in columns:
                column = columns[name]
            elif name in self.fixed:
                column = [self.fixed[name]] * count
            else:
                column = [model_field.get_default()] * count
            if self.postgresql:
                values.append(self._copy_text(model_field, column))
            else:
                values.append(self._sqlite(model_field, column))
        if self.keys is not None:
            for model_field, ids in self.keys.items():
                name = model_field.attname
                ids.update(columns[name] if name in columns else [self.fixed.get(name)])
        if self.streaming:
            self._stream(list(map("\t".join, zip(*values, strict=True))), lines)
            return
        if self.postgresql:
            self.rows.extend(map("\t".join, zip(*values, strict=True)))
        else:
            self.rows.extend(zip(*values, strict=True))
        self.lines.extend(lines)
        if len(self.rows) >= LOAD_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.streaming:
            self._end_copy()
            self._raise_refused()
            return
        rows, lines = self.rows, self.lines
        self.rows, self.lines = [], []
        if rows:
            self._store(rows, lines)
        self._forget_keys()

    def close(self) -> None:
        """Abandon an open ``COPY`` (its chunk rolled back): the caller found something
        wrong or is on its way out by an exception, and its transaction's rollback
        cannot run while the ``COPY`` holds the connection."""
        chunk, _ = self._detach(abandon=True)  # the COPY fails, as asked
        if chunk is None:
            return
        with contextlib.suppress(DatabaseError):
            transaction.savepoint_rollback(chunk.savepoint)

    def _detach(self, *, abandon: bool) -> tuple[_OpenCopy | None, Exception | None]:
        """Take the open chunk off the connection and end its ``COPY``: finished, or
        abandoned (the database refuses its rows); its cursor closed either way.
        Returns the chunk (None when none was open) and the error the database ended
        the ``COPY`` with, if any: the caller decides what it means."""
        chunk, self._open = self._open, None
        if chunk is None:
            return None, None
        connection.execute_wrappers.remove(self._guard)
        try:
            with connection.wrap_database_errors:
                if abandon:
                    chunk.context.__exit__(_Abandoned, _Abandoned(), None)
                else:
                    chunk.context.__exit__(None, None, None)
        except Exception as error:
            return chunk, error
        finally:
            chunk.cursor.close()
        return chunk, None

    def _forget_keys(self) -> None:
        """Empty the keys gathered for a check: checked, or gone with their rows."""
        if self.keys is not None:
            for ids in self.keys.values():
                ids.clear()

    def _stream(self, rows: list[str], lines: list[int]) -> None:
        """Write a block's rows to the chunk's open ``COPY`` (opened first if none is),
        and end the chunk once it holds :data:`LOAD_ROWS` rows."""
        self._raise_refused()
        if self._open is None:
            self._begin_copy()
        chunk = self._open
        chunk.rows.extend(rows)
        chunk.lines.extend(lines)
        if chunk.failed is None:
            try:
                with connection.wrap_database_errors:
                    chunk.copy.write("\n".join(rows) + "\n")
            except Exception as error:  # found again, at its row, when the chunk ends
                chunk.failed = error
        if len(chunk.rows) >= LOAD_ROWS:
            self._end_copy()
            self._raise_refused()

    def _begin_copy(self) -> None:
        savepoint = transaction.savepoint()
        triggers_off = self.keys is not None
        cursor = connection.cursor()
        if triggers_off:
            # Checked after the chunk: every referenced record there, and locked.
            cursor.execute(keys.REPLICA)
        statement = self._copy_statement()
        context = cursor.cursor.copy(statement)
        copy = run_counted(cursor, statement, [], context.__enter__)
        self._open = _OpenCopy(savepoint, cursor, context, copy, triggers_off)
        connection.execute_wrappers.append(self._guard)

    def _guard(self, execute, sql, params, many, context):
        """Any other statement on the connection first ends the open ``COPY``."""
        try:
            self._end_copy()
        except RowRefused as refused:
            self._refused = refused
        return execute(sql, params, many, context)

    def _end_copy(self) -> None:
        """Finish the open chunk: stored when the database took every row and each
        record the rows name exists (locked as the key triggers would); otherwise
        rolled back and stored again by halves, so a refused row is found at its line."""
        chunk, error = self._detach(abandon=False)
        if chunk is None:
            return
        chunk.failed = chunk.failed or error
        held = chunk.failed is None
        if held and chunk.triggers_off:
            with connection.cursor() as cursor:
                cursor.execute(keys.ORIGIN)
            held = keys.keys_held(self.keys)
        self._forget_keys()
        if held:
            transaction.savepoint_commit(chunk.savepoint)
            self.stored += len(chunk.rows)
            return
        transaction.savepoint_rollback(chunk.savepoint)
        self._store_again(chunk.rows, chunk.lines)

    def _store_again(self, rows: list[str], lines: list[int]) -> None:
        """A chunk the open ``COPY`` could not store, the usual way (its keys gathered
        again: checked once each, or by the triggers when one is missing)."""
        if self.keys is not None:
            names = [f.column for f in self.fields]
            for key, ids in self.keys.items():
                if key.attname in self.fixed:
                    ids.add(self.fixed[key.attname])
                    continue
                column = names.index(key.column)
                ids.update(
                    None if cell == NULL else int(cell)
                    for cell in (row.split("\t")[column] for row in rows)
                )
        try:
            self._store(rows, lines)
        finally:
            self._forget_keys()

    def _raise_refused(self) -> None:
        refused, self._refused = self._refused, None
        if refused is not None:
            raise refused

    def _copy_statement(self) -> str:
        table = connection.ops.quote_name(self.model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        return f"COPY {table} ({names}) FROM STDIN"

    def _fields(self, given: list[str]) -> list[models.Field]:
        """Every concrete column but the id: the given ones, the fixed ones, the rest
        with their defaults (as a model object would have them)."""
        return [f for f in self.model._meta.concrete_fields if not f.primary_key]

    def _store(self, rows: list[tuple], lines: list[int]) -> None:
        try:
            with transaction.atomic():
                self._write(rows)
            self.stored += len(rows)
            return
        except (DatabaseError, ValueError, OverflowError) as error:
            if len(rows) == 1:
                raise RowRefused(lines[0], error) from error
        half = len(rows) // 2
        self._store(rows[:half], lines[:half])
        self._store(rows[half:], lines[half:])

    def _write(self, rows: list[tuple]) -> None:
        table = self.model._meta.db_table
        names = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        with connection.cursor() as cursor:
            if self.postgresql:
                statement = f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN"

                def write() -> None:
                    with cursor.cursor.copy(statement) as copy:
                        for start in range(0, len(rows), 10_000):
                            copy.write("\n".join(rows[start : start + 10_000]) + "\n")

                if self.keys is not None and keys.keys_held(self.keys):
                    # Every referenced row exists and is locked: no trigger per row.
                    with keys.row_triggers_off():
                        run_counted(cursor, statement, [], write)
                else:
                    run_counted(cursor, statement, [], write)
            else:
                _insert_many(cursor, connection.ops.quote_name(table), names, rows)

    def _copy_text(self, model_field: models.Field, column: list[Any]) -> list[str]:
        """The values as COPY's text format writes them: ``\\N`` for NULL, floats by
        ``repr`` (the shortest text that reads back as the same float), dates, times
        and moments in ISO 8601 with their offset, text with its backslashes, tabs and
        line breaks escaped."""
        internal = model_field.get_internal_type()
        if not column:
            return []
        if None in column:
            present = [value for value in column if value is not None]
            texts = iter(self._copy_text(model_field, present))
            return [NULL if value is None else next(texts) for value in column]
        if internal == "FloatField":
            return list(map(repr, map(float, column)))
        if internal in ("DateField", "DateTimeField", "TimeField"):
            memo = self._memo.setdefault(model_field.attname, {})
            if len(memo) > 200_000:
                memo.clear()
            for value in set(column).difference(memo):
                memo[value] = value.isoformat()
            return list(map(memo.__getitem__, column))
        if internal == "BooleanField":
            return ["t" if value else "f" for value in column]
        texts = list(map(str, column))
        if isinstance(column[0], str):
            joined = "".join(texts)
            if any(special in joined for special in "\\\t\n\r"):
                texts = [_escaped(text) for text in texts]
        return texts

    def _sqlite(self, model_field: models.Field, column: list[Any]) -> list[Any]:
        """Dates, times and moments as Django writes them to SQLite (each distinct value
        adapted once)."""
        internal = model_field.get_internal_type()
        adapt = {
            "DateField": connection.ops.adapt_datefield_value,
            "DateTimeField": connection.ops.adapt_datetimefield_value,
            "TimeField": connection.ops.adapt_timefield_value,
        }.get(internal)
        if adapt is None:
            return column
        memo = self._memo.setdefault(model_field.attname, {})
        if len(memo) > 200_000:
            memo.clear()
        for value in set(column).difference(memo):
            memo[value] = None if value is None else adapt(value)
        return list(map(memo.__getitem__, column))
