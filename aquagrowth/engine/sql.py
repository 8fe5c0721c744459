"""Raw SQL results as numpy columns: what the loader and the checks read with."""

from __future__ import annotations

import numpy as np
from django.db import connection


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
