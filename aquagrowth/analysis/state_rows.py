"""Daily states read as columns (numpy arrays), one query, no model instances.

The page of an 800-day batch draws about ten thousand rows; building a model object or
a serializer per row would cost more than the whole rest of the request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from aquagrowth.db.read import read_columns
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
    sql, params = query.values_list(*fields).query.sql_with_params()
    kinds = [
        np.int64 if name in KEY_FIELDS or _COLUMNS[name].kind == "code" else np.float64
        for name in fields
    ]
    # Numbers only, read as packed binary columns on PostgreSQL (no tuple per row); the
    # rows are put in day order here rather than trusted to an aggregate's input order.
    values = read_columns(sql, params, *kinds)
    order = np.argsort(values[fields.index("day_number")], kind="stable")
    columns: dict[str, np.ndarray] = {}
    for name, column in zip(fields, values, strict=True):
        declared = _COLUMNS.get(name)
        if declared is not None and declared.kind == "code":
            # A code column is shown by the engine's name for its code, as the API does.
            column = np.array(declared.codes, dtype=object)[column]
        columns[name] = column[order]
    return StateRows(columns)
