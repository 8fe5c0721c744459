"""Daily states read as columns (numpy arrays), one query, no model instances.

The page of an 800-day batch draws about ten thousand rows; building a model object or
a serializer per row would cost more than the whole rest of the request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import connections

from aquagrowth.engine.core.outputs import STATE_COLUMNS
from aquagrowth.engine.models import DailyState

KEY_FIELDS = ("day_number", "assignment_id")
_COLUMNS = {c.name: c for c in STATE_COLUMNS}


@dataclass(frozen=True)
class StateRows:
    """Daily state rows as parallel arrays (floats with NaN for nulls, strings as objects)."""

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return int(self.columns["day_number"].shape[0])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def take(self, mask: np.ndarray) -> StateRows:
        """The rows where ``mask`` holds."""
        return StateRows({name: values[mask] for name, values in self.columns.items()})


def read_state_rows(
    batch_id: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    assignment_id: int | None = None,
) -> StateRows:
    """The batch's daily states between ``start`` and ``end`` (inclusive), ordered by day.

    Rows of one day come in no particular order of assignment.
    """
    query = DailyState.objects.of_batch(batch_id)
    if assignment_id is not None:
        query = query.filter(assignment_id=assignment_id)
    if start is not None:
        query = query.filter(date__gte=start)
    if end is not None:
        query = query.filter(date__lte=end)
    fields = KEY_FIELDS + tuple(_COLUMNS)
    # Ordered by date only: a batch's few thousand rows sort in a few milliseconds.
    query = query.order_by("date").values_list(*fields)
    sql, params = query.query.sql_with_params()
    # One fetchall: the ORM's iteration fetches 100 rows at a time, which costs a
    # round of driver work per chunk over ten thousand rows.
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # One transposition in C, then one conversion per column (None becomes NaN); a code
    # column is shown by the engine's name for its code, as the API shows it.
    by_column = list(zip(*rows, strict=True)) if rows else [()] * len(fields)
    columns: dict[str, np.ndarray] = {}
    for name, values in zip(fields, by_column, strict=True):
        column = _COLUMNS.get(name)
        if column is None:
            columns[name] = np.array(values, dtype=np.int64)
        elif column.kind == "code":
            names = np.array(column.codes, dtype=object)
            columns[name] = names[np.array(values, dtype=np.int64)]
        else:
            columns[name] = np.array(values, dtype=np.float64)
    return StateRows(columns)
