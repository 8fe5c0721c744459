"""Raw SQL results as numpy columns: what the loader and the checks read with.

On PostgreSQL a result of numbers comes back by binary COPY, read straight into numpy
(one buffer, no Python object per value): for the loader's day sums, turning a few
thousand rows into tuples and the tuples into arrays cost more than the query itself.
Every other database takes the plain cursor.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import numpy as np
from django.db import connection

COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_SQL_TYPES = {"i": "bigint", "f": "double precision"}


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
    kinds = [np.dtype(d).kind for d in dtypes]
    if connection.vendor != "postgresql" or any(k not in _SQL_TYPES for k in kinds):
        return columns(fetch(sql, params), *dtypes)
    names = [f"c{i}" for i in range(len(dtypes))]
    casts = ", ".join(
        f"COALESCE(CAST(q.{name} AS double precision), 'NaN')"
        if kind == "f"
        else f"CAST(q.{name} AS bigint)"
        for name, kind in zip(names, kinds, strict=True)
    )
    statement = (
        f"COPY (SELECT {casts} FROM ({sql}) AS q({', '.join(names)})) TO STDOUT (FORMAT BINARY)"
    )
    with connection.cursor() as cursor:

        def read() -> bytes:
            with cursor.cursor.copy(statement, params) as copy:
                return b"".join(bytes(chunk) for chunk in copy)

        data = run_counted(cursor, statement, params, read)
    return _parse_binary(data, kinds)


def _parse_binary(data: bytes, kinds: list[str]) -> list[np.ndarray]:
    """Columns of a binary COPY whose fields are all 8 bytes wide and never NULL."""
    if not data.startswith(COPY_SIGNATURE):
        raise ValueError("not a PostgreSQL binary COPY stream")
    extension = int.from_bytes(data[15:19], "big")
    body = data[19 + extension : -2]  # the trailer is a field count of -1
    fields = [("n", ">i2")]
    for i, kind in enumerate(kinds):
        fields += [(f"len{i}", ">i4"), (f"c{i}", ">i8" if kind == "i" else ">f8")]
    layout = np.dtype(fields)
    if len(body) % layout.itemsize:
        raise ValueError("binary COPY rows are not of the expected fixed layout (a NULL?)")
    rows = np.frombuffer(body, dtype=layout)
    widths = [rows[f"len{i}"] for i in range(len(kinds))]
    if len(rows) and (np.any(rows["n"] != len(kinds)) or any(np.any(w != 8) for w in widths)):
        raise ValueError("binary COPY rows are not of the expected fixed layout (a NULL?)")
    return [
        rows[f"c{i}"].astype(np.int64 if kind == "i" else np.float64)
        for i, kind in enumerate(kinds)
    ]


def run_counted(cursor, sql: str, params: list, action: Callable[[], Any]) -> Any:
    """Run ``action`` (a COPY on ``cursor``'s connection) as if it were ``sql`` executed.

    Django's execute wrappers (the runner's query counter) and its query log (tests'
    query counts) see a COPY like any other statement, so counts stay honest.
    """

    def executor(sql, params, many, context):
        connection.validate_no_broken_transaction()
        with connection.wrap_database_errors:
            return action()

    logged = cursor.debug_sql(sql, params) if connection.queries_logged else nullcontext()
    with logged:
        return cursor._execute_with_wrappers(sql, params, many=False, executor=executor)
