"""Raw SQL results as numpy columns: what the loader and the checks read with.

On PostgreSQL a result of numbers comes back as one value: its rows packed into one
string of fixed-size binary records, read straight into numpy (no Python object per
value, no message per row). For the loader's day sums, turning a few thousand rows into
tuples and the tuples into arrays cost more than the query itself. Every other database
takes the plain cursor.
"""

from __future__ import annotations

import numpy as np
from django.db import connection

_PACKERS = {
    "i": "int8send(CAST({} AS bigint))",
    "f": "float8send(COALESCE(CAST({} AS double precision), 'NaN'))",
}
"""Each value as its 8 big-endian bytes; a row is their concatenation, the result one
string of fixed-size rows (an integer NULL makes the row NULL, which the count exposes)."""


def fetch(sql: str, params: list | None = None) -> list[tuple]:
    """All rows of one query on the default database."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def columns(rows: list[tuple], *dtypes) -> list[np.ndarray]:
    """The result's columns as arrays (one transposition in C, not a loop per value).

    NULL becomes NaN in a float column; ``object`` keeps values as they are.
    """
    if not rows:
        return [np.zeros(0, dtype=d) for d in dtypes]
    transposed = zip(*rows, strict=True)
    return [np.asarray(col, dtype=d) for col, d in zip(transposed, dtypes, strict=True)]


def read_columns(sql: str, params: list, *dtypes) -> list[np.ndarray]:
    """The columns of ``sql`` as arrays of ``dtypes`` (each an integer or a float type).

    A NULL becomes NaN in a float column and is an error in an integer one.
    """
    return read_column_sets([(sql, params, dtypes)])[0]


def read_column_sets(queries: list[tuple[str, list, tuple]]) -> list[list[np.ndarray]]:
    """The columns of several queries, each ``(sql, params, dtypes)`` as for
    :func:`read_columns`: on PostgreSQL in one round trip (each query packed on its own,
    so each keeps its own columns; under a loaded server a round trip can cost more than
    a query's sums), elsewhere one query each."""
    kinds = [[np.dtype(d).kind for d in dtypes] for _, _, dtypes in queries]
    if connection.vendor != "postgresql" or any(k not in _PACKERS for ks in kinds for k in ks):
        return [columns(fetch(sql, params), *dtypes) for sql, params, dtypes in queries]
    statement = "SELECT * FROM " + ", ".join(
        f"({_packed(sql, ks)}) AS r{i}"
        for i, ((sql, _, _), ks) in enumerate(zip(queries, kinds, strict=True))
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [value for _, params, _ in queries for value in params])
        row = cursor.fetchone()
    return [
        _unpacked(row[2 * i], row[2 * i + 1], ks, sql)
        for i, ((sql, _, _), ks) in enumerate(zip(queries, kinds, strict=True))
    ]


def _packed(sql: str, kinds: list[str]) -> str:
    """``sql``'s rows as one row: their count and one string of fixed-size records."""
    names = [f"c{i}" for i in range(len(kinds))]
    packed = " || ".join(
        _PACKERS[kind].format(f"q.{name}") for name, kind in zip(names, kinds, strict=True)
    )
    return f"SELECT COUNT(*), string_agg({packed}, ''::bytea) FROM ({sql}) AS q({', '.join(names)})"


def _unpacked(count: int, data: bytes | None, kinds: list[str], sql: str) -> list[np.ndarray]:
    """The columns of :func:`_packed`'s row (``count`` records in ``data``)."""
    layout = np.dtype([(f"c{i}", ">i8" if kind == "i" else ">f8") for i, kind in enumerate(kinds)])
    if len(data or b"") != count * layout.itemsize:
        raise ValueError(f"a NULL in an integer column of: {sql}")
    rows = np.frombuffer(data or b"", dtype=layout)
    return [
        rows[f"c{i}"].astype(np.int64 if kind == "i" else np.float64)
        for i, kind in enumerate(kinds)
    ]
