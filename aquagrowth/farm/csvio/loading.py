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
"""

from __future__ import annotations

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


class TableLoader:
    """Collects rows of one model (columns by attname, with their lines) and stores
    them; ``fixed`` gives columns with one value for every row (the import run)."""

    def __init__(self, model: type[models.Model], fixed: dict[str, Any]) -> None:
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
        if self.postgresql:
            self.rows.extend(map("\t".join, zip(*values, strict=True)))
        else:
            self.rows.extend(zip(*values, strict=True))
        self.lines.extend(lines)
        if len(self.rows) >= LOAD_ROWS:
            self.flush()

    def flush(self) -> None:
        rows, lines = self.rows, self.lines
        self.rows, self.lines = [], []
        if rows:
            self._store(rows, lines)
        if self.keys is not None:
            for ids in self.keys.values():
                ids.clear()

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
