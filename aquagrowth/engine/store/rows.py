"""The daily-state table's columns, as arrays, from the core's :class:`DailyStates`.

The measured columns are declared once, in
:data:`aquagrowth.engine.core.outputs.STATE_COLUMNS`; here they get the row's key (ids,
date, day number) and their database types, and a batch's rows become a
:class:`aquagrowth.db.copy.Table` to write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from aquagrowth.db.copy import Column, Table, days_since_epoch
from aquagrowth.engine.core.outputs import STATE_COLUMNS, DailyStates

TABLE = "farm_dailystate"


@dataclass(frozen=True)
class StoredColumn:
    """A column of the daily-state table.

    kind : a :class:`aquagrowth.db.copy.Column` kind (the PostgreSQL type)
    nullable : a float column whose NaN is stored as NULL
    """

    name: str
    kind: str
    nullable: bool = False


_KIND = {"count": "int4", "quantity": "float8", "code": "int2"}
"""The type of each kind of :class:`StateColumn`; codes (anchor type, sources, flags) are
the engine's own small integers."""

KEY_COLUMNS: tuple[StoredColumn, ...] = (
    StoredColumn("assignment_id", "int8"),
    StoredColumn("batch_id", "int8"),
    StoredColumn("container_id", "int8"),
    StoredColumn("stage_id", "int8"),
    StoredColumn("date", "date"),
    StoredColumn("day_number", "int4"),
)
COLUMNS: tuple[StoredColumn, ...] = (
    *KEY_COLUMNS,
    *(StoredColumn(c.name, _KIND[c.kind], c.nullable) for c in STATE_COLUMNS),
    StoredColumn("computed_at", "timestamptz"),
)
NAMES = tuple(c.name for c in COLUMNS)


def row_columns(
    states: DailyStates,
    *,
    batch_id: int,
    assignment_ids: np.ndarray,
    container_ids: np.ndarray,
    assignment_container: np.ndarray,
    stage_ids: np.ndarray,
    assignment_stage: np.ndarray,
    start_date: dt.date,
) -> dict[str, np.ndarray]:
    """The table's columns as arrays (codes still as integers, dates as days since the
    epoch of :mod:`aquagrowth.db.copy`), all but ``computed_at``."""
    a = states.assignment
    keys = {
        "assignment_id": assignment_ids[a],
        "batch_id": np.full(len(a), batch_id, dtype=np.int64),
        "container_id": container_ids[assignment_container[a]],
        "stage_id": stage_ids[assignment_stage[a]],
        "date": states.day + days_since_epoch(start_date),
        "day_number": states.day + 1,
    }
    return keys | {c.name: getattr(states, c.name) for c in STATE_COLUMNS}


def state_table(columns: dict[str, np.ndarray], computed_at: dt.datetime, table: str) -> Table:
    """``columns`` (of :func:`row_columns`) stamped ``computed_at``, bound for ``table``."""
    n = len(columns["assignment_id"])
    stamp = np.datetime64(computed_at.astimezone(dt.UTC).replace(tzinfo=None), "us")
    values = columns | {"computed_at": np.full(n, stamp)}
    return Table(
        table,
        tuple(
            Column(c.name, c.kind, values[c.name], np.isnan(values[c.name]) if c.nullable else None)
            for c in COLUMNS
        ),
    )
