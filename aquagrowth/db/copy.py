"""Rows as columns of numpy arrays, and their encodings for PostgreSQL and SQLite.

PostgreSQL's binary COPY format is a header, then per row a 16-bit field count and per
field a 32-bit byte length (-1 for NULL) and the big-endian value, then a trailer. Rows
whose fields all have fixed sizes are one numpy structured array, so a million rows are
encoded by a few array assignments. Text fields vary in length and NULLs have no value,
so rows are grouped by (text lengths, NULL pattern) and each group gets its own
structured dtype; the order of rows in a COPY does not matter because ids are explicit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

PG_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
PG_COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)
PG_EPOCH_DAY = np.datetime64("2000-01-01", "D")
PG_EPOCH_US = np.datetime64("2000-01-01T00:00:00", "us")

FIXED: dict[str, str] = {
    "int8": ">i8",
    "int4": ">i4",
    "float8": ">f8",
    "date": ">i4",
    "timestamptz": ">i8",
    "time": ">i8",
}


@dataclass(frozen=True)
class Column:
    """One column: ``kind`` is a PostgreSQL type name of :data:`FIXED` or ``text``.

    values: int or float arrays; ``date`` as datetime64[D]; ``timestamptz`` as
    datetime64[us] (UTC); ``time`` as microseconds after midnight; ``text`` as a numpy
    string array. ``null`` marks NULL rows (values there are ignored).
    """

    name: str
    kind: str
    values: np.ndarray
    null: np.ndarray | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]

    @property
    def rows(self) -> int:
        return len(self.columns[0].values) if self.columns else 0


def _pg_values(column: Column) -> np.ndarray:
    v = column.values
    if column.kind == "date":
        return (v.astype("datetime64[D]") - PG_EPOCH_DAY).astype(np.int64)
    if column.kind == "timestamptz":
        return (v.astype("datetime64[us]") - PG_EPOCH_US).astype(np.int64)
    if column.kind == "text":
        return np.char.encode(np.asarray(v, dtype=str), "utf-8")
    return v


def pg_binary_body(table: Table) -> Iterator[bytes]:
    """The rows of ``table`` in PostgreSQL binary COPY format (no header or trailer)."""
    n = table.rows
    if n == 0:
        return
    values = [_pg_values(c) for c in table.columns]
    keys = []
    for column, encoded in zip(table.columns, values, strict=True):
        if column.kind == "text":
            keys.append(np.char.str_len(encoded).astype(np.int64))
        if column.null is not None:
            keys.append(column.null.astype(np.int64))
    if keys:
        groups, inverse = np.unique(np.stack(keys, axis=1), axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        members = [np.flatnonzero(inverse == g) for g in range(len(groups))]
    else:
        members = [np.arange(n)]
    for rows in members:
        first = rows[0]
        fields: list[tuple[str, str]] = [("count", ">i2")]
        sizes: list[int] = []
        for i, (column, encoded) in enumerate(zip(table.columns, values, strict=True)):
            fields.append((f"len{i}", ">i4"))
            if column.null is not None and column.null[first]:
                sizes.append(-1)
                continue
            if column.kind == "text":
                size = len(encoded[first])
                sizes.append(size)
                if size:
                    fields.append((f"val{i}", f"S{size}"))
            else:
                dtype = np.dtype(FIXED[column.kind])
                sizes.append(dtype.itemsize)
                fields.append((f"val{i}", dtype.str))
        out = np.empty(rows.size, dtype=np.dtype(fields))
        out["count"] = len(table.columns)
        for i, encoded in enumerate(values):
            out[f"len{i}"] = sizes[i]
            if f"val{i}" in out.dtype.names:
                out[f"val{i}"] = encoded[rows]
        yield out.tobytes()


def _sqlite_list(column: Column) -> list:
    v = column.values
    if column.kind == "date":
        out = np.datetime_as_string(v.astype("datetime64[D]")).tolist()
    elif column.kind == "timestamptz":
        text = np.datetime_as_string(v.astype("datetime64[s]")).astype("U19")
        # Django stores datetimes on SQLite as "YYYY-MM-DD HH:MM:SS"; string comparisons
        # in range filters depend on that separator.
        chars = text.view(np.uint32).reshape(-1, 19)
        chars[:, 10] = ord(" ")
        out = text.tolist()
    elif column.kind == "time":
        seconds = (np.asarray(v) // 1_000_000).astype(np.int64)
        out = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in seconds.tolist()]
    else:
        out = np.asarray(v).tolist()
    if column.null is not None:
        out = [None if missing else x for x, missing in zip(out, column.null.tolist(), strict=True)]
    return out


def sqlite_rows(table: Table) -> Iterator[tuple]:
    """Rows of ``table`` as Python tuples in the values Django stores on SQLite."""
    return zip(*[_sqlite_list(c) for c in table.columns], strict=True)
