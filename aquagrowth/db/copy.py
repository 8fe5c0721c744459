"""Numpy column tables in the databases' own encodings: PostgreSQL binary COPY, SQLite rows.

Every bulk write goes through here: the generator's farm tables and the engine's daily
states. PostgreSQL's binary COPY format is a header, then per row a 16-bit field count
and per field a 32-bit byte length (-1 for NULL) and the big-endian value, then a
trailer. Rows whose fields all have fixed sizes are one numpy structured array, so a
million rows are encoded by a few array assignments and no Python object per value. A
NULL has no value and text varies in length, so rows are grouped by their layout (NULL
pattern, text lengths) and each group gets its own structured dtype: a handful of groups
for a batch of daily states.

Rows keep their order within a group, and groups come in ascending order of one integer
key (text lengths above a bit mask of the NULLs, bit ``i`` for the ``i``-th nullable
column): the order rows reach the table, and so the ids a sequence gives them, is fixed.

On SQLite the values are rendered as Django stores them: dates ``YYYY-MM-DD``, datetimes
``YYYY-MM-DD HH:MM:SS[.ffffff]`` in UTC without offset, times ``HH:MM:SS[.ffffff]``, so
the ORM reads back the same values and its range filters compare like with like.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

EPOCH = dt.date(2000, 1, 1)
"""Day 0 of PostgreSQL's binary dates and timestamps (timestamps: midnight UTC)."""
EPOCH_DAY = np.datetime64(EPOCH, "D")
EPOCH_US = np.datetime64(EPOCH, "us")

COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)

FIXED: dict[str, str] = {
    "int8": ">i8",
    "int4": ">i4",
    "int2": ">i2",
    "float8": ">f8",
    "date": ">i4",
    "timestamptz": ">i8",
    "time": ">i8",
}
"""The binary value of each fixed-size column kind (PostgreSQL type names)."""

_MAX_KEY = 1 << 62
"""Above this the layout key of a row would not fit an int64: rows are grouped by rows
of key parts instead (same groups, same order, slower)."""


@dataclass(frozen=True)
class Column:
    """One column: ``kind`` is a PostgreSQL type name of :data:`FIXED` or ``text``.

    values: int or float arrays; ``date`` as datetime64[D] or whole days since
    :data:`EPOCH`; ``timestamptz`` as datetime64[us] (UTC); ``time`` as microseconds
    after midnight; ``text`` as a numpy string array. ``null`` marks NULL rows (values
    there are ignored).
    """

    name: str
    kind: str
    values: np.ndarray
    null: np.ndarray | None = None


@dataclass(frozen=True)
class Table:
    """Rows as equally long columns, bound for the table ``name``."""

    name: str
    columns: tuple[Column, ...]

    @property
    def rows(self) -> int:
        return len(self.columns[0].values) if self.columns else 0


def days_since_epoch(day: dt.date | str) -> int:
    """Days from :data:`EPOCH` to ``day`` (a date, or ISO text as SQLite returns it)."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return (day - EPOCH).days


def copy_statement(table: Table) -> str:
    """The ``COPY ... FROM STDIN`` that reads :func:`copy_data` of ``table``."""
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    return f"COPY {table.name} ({names}) FROM STDIN (FORMAT BINARY)"


def copy_data(table: Table) -> Iterator[bytes]:
    """The rows of ``table`` in PostgreSQL's binary COPY format, header and trailer included,
    one chunk per group of rows that share a layout."""
    yield COPY_HEADER
    if table.rows:
        encoded = [_pg_values(c) for c in table.columns]
        for first, rows in _layout_groups(table, encoded):
            yield _block(table, encoded, first, rows)
    yield COPY_TRAILER


def _pg_values(column: Column) -> np.ndarray:
    """The column's values as PostgreSQL sends them (days and microseconds since EPOCH,
    UTF-8 bytes), still in native byte order: the structured array converts."""
    v = column.values
    if column.kind == "date" and v.dtype.kind == "M":
        return (v.astype("datetime64[D]") - EPOCH_DAY).astype(np.int64)
    if column.kind == "timestamptz":
        return (v.astype("datetime64[us]") - EPOCH_US).astype(np.int64)
    if column.kind == "text":
        return np.char.encode(np.asarray(v, dtype=str), "utf-8")
    return v


def _layout_groups(table: Table, encoded: list[np.ndarray]) -> list[tuple[int, np.ndarray | slice]]:
    """(a row of the group, the group's rows as indices or a slice) per layout, in the
    order of the module docstring; one sort of one integer key per table."""
    nullable = [c.null.astype(np.int64) for c in table.columns if c.null is not None]
    lengths = [
        np.char.str_len(values).astype(np.int64)
        for column, values in zip(table.columns, encoded, strict=True)
        if column.kind == "text"
    ]
    if not nullable and not lengths:
        return [(0, slice(None))]
    key, scale = np.zeros(table.rows, dtype=np.int64), 1 << len(nullable)
    if scale <= _MAX_KEY:
        for bit, null in enumerate(nullable):
            key |= null << bit
        for length in reversed(lengths):
            key += length * scale
            scale *= int(length.max()) + 1
            if scale > _MAX_KEY:
                break
    if scale > _MAX_KEY:
        # Too many parts for one integer: the same order over rows of parts, the last
        # nullable column first as the highest bit of the mask.
        parts = np.stack([*lengths, *reversed(nullable)], axis=1)
        key = np.unique(parts, axis=0, return_inverse=True)[1].reshape(-1)
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    cuts = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
    if not len(cuts):
        return [(0, slice(None))]
    return [(int(rows[0]), rows) for rows in np.split(order, cuts)]


def _block(table: Table, encoded: list[np.ndarray], first: int, rows: np.ndarray | slice) -> bytes:
    """The rows ``rows``, which share the layout of row ``first``, as one structured array."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    sizes: list[int] = []
    for i, (column, values) in enumerate(zip(table.columns, encoded, strict=True)):
        fields.append((f"len{i}", ">i4"))
        if column.null is not None and column.null[first]:
            sizes.append(-1)
        elif column.kind == "text":
            sizes.append(len(values[first]))
            if sizes[-1]:
                fields.append((f"val{i}", f"S{sizes[-1]}"))
        else:
            sizes.append(np.dtype(FIXED[column.kind]).itemsize)
            fields.append((f"val{i}", FIXED[column.kind]))
    # The count and lengths are the group's own: one row written once, then repeated.
    layout = np.zeros(1, dtype=np.dtype(fields))
    layout["count"] = len(table.columns)
    for i, size in enumerate(sizes):
        layout[f"len{i}"] = size
    out = np.repeat(layout, table.rows if isinstance(rows, slice) else len(rows))
    for i, values in enumerate(encoded):
        if sizes[i] > 0:
            out[f"val{i}"] = values[rows]
    return out.tobytes()


def sqlite_rows(table: Table) -> Iterator[tuple]:
    """Rows of ``table`` as Python tuples of the values Django stores on SQLite."""
    return zip(*[_sqlite_values(c) for c in table.columns], strict=True)


def _sqlite_values(column: Column) -> list:
    v = column.values
    if column.kind == "date":
        days = v if v.dtype.kind == "M" else EPOCH_DAY + v.astype("timedelta64[D]")
        out = np.datetime_as_string(days.astype("datetime64[D]")).tolist()
    elif column.kind == "timestamptz":
        out = _django_text(v.astype("datetime64[us]"), start=0).tolist()
    elif column.kind == "time":
        out = _django_text(np.datetime64(0, "us") + v.astype("timedelta64[us]"), 11).tolist()
    else:
        out = np.asarray(v).tolist()
    if column.null is not None:
        for row in np.flatnonzero(column.null).tolist():
            out[row] = None
    return out


def _django_text(moments: np.ndarray, start: int) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS[.ffffff]`` from character ``start`` on (11: the time of day),
    the fraction only where there is one, as ``str()`` of a Python datetime gives."""
    whole = moments.astype(np.int64) % 1_000_000 == 0
    # Whole seconds (the usual case) are rendered without the fraction's six digits.
    stop = 19 if whole.all() else 26
    text = np.datetime_as_string(moments.astype("datetime64[s]") if stop == 19 else moments)
    chars = text.view(np.uint32).reshape(len(text), text.dtype.itemsize // 4)[:, :stop]
    chars[:, 10] = ord(" ")
    # A NUL ends a numpy string: rows of whole seconds end after 19 characters.
    chars[whole, 19:] = 0
    return np.ascontiguousarray(chars[:, start:]).view(f"U{stop - start}").reshape(-1)
