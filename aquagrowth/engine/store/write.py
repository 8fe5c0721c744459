"""Replace stored daily states by new ones: one transaction, bulk, the SQL of each database.

Readers see the old rows or the new ones, never a mix: every statement shares one
transaction, so a run killed half-way leaves the previous rows in place. On PostgreSQL
the rows go by binary COPY (:mod:`aquagrowth.db.copy`, built straight from the numpy
arrays) into a staging table, then update the stored rows in place; on SQLite the old
rows are deleted and the new inserted with one ``executemany``. A fixed number of
statements, whatever the batch's size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction

from aquagrowth.db.bulk import copy_rows, insert_rows
from aquagrowth.engine.store.rows import NAMES, TABLE, state_table

STAGING = "daily_state_staging"

_VALUES = [name for name in NAMES if name not in ("assignment_id", "date")]
"""Columns a stored row (keyed by assignment and date) takes from its new version."""
_COMPARED = [name for name in _VALUES if name != "computed_at"]
"""Columns whose change makes a row worth rewriting."""


def replace_states(
    columns: dict[str, np.ndarray],
    windows: dict[int, dt.date],
    *,
    nothing_stored: bool = False,
    same_days: bool = False,
) -> int:
    """Replace stored states by ``columns``, atomically; returns the rows written.

    ``windows`` maps assignment id -> first date rewritten (``date.min``: all its rows).
    ``columns`` must hold exactly the rows of those windows.
    ``nothing_stored``: the caller knows no row of those windows is stored (a new
    batch), so the rows go straight in. ``same_days``: the caller knows the stored rows
    have exactly the days of the new ones, so none is left to delete.
    """
    computed_at = dt.datetime.now(dt.UTC)
    n = len(columns["assignment_id"])
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            scope = _Windows.of(windows)
            if not nothing_stored:
                nothing_stored = not _any_stored(cursor, scope)
            if nothing_stored:
                # Nothing stored yet (a new batch, a new farm): straight into the table.
                if n:
                    copy_rows(cursor, state_table(columns, computed_at, TABLE))
            else:
                _update_postgres(cursor, columns, computed_at, scope, same_days)
        else:
            _replace_sqlite(cursor, columns, computed_at, windows)
    return n


@dataclass(frozen=True)
class _Windows:
    """PostgreSQL: the stored rows of the windows as SQL (a WITH prefix, the rows ``t``
    it joins, and their parameters), and the windows' assignment ids."""

    prefix: str
    rows: str
    params: list
    assignment_ids: list[int]

    @classmethod
    def of(cls, windows: dict[int, dt.date]) -> _Windows:
        if not windows:
            return cls("", "farm_dailystate t WHERE false", [], [])
        # Driven by the windows, each an index range on (assignment, date).
        return cls(
            f"WITH w(a, d) AS (VALUES {', '.join(['(%s, %s)'] * len(windows))}) ",
            "w JOIN farm_dailystate t ON t.assignment_id = w.a::bigint AND t.date >= w.d::date",
            [value for item in windows.items() for value in item],
            list(windows),
        )


def _any_stored(cursor, scope: _Windows) -> bool:
    cursor.execute(f"{scope.prefix}SELECT EXISTS (SELECT 1 FROM {scope.rows})", scope.params)
    return cursor.fetchone()[0]


def _update_postgres(
    cursor,
    columns: dict[str, np.ndarray],
    computed_at: dt.datetime,
    scope: _Windows,
    same_days: bool,
) -> None:
    """COPY into a staging table, update or insert from it, delete what it no longer has.

    Rows are compared in place and only those whose numbers changed are rewritten (they
    keep the time they were computed otherwise): a recompute of unchanged data costs
    reads, not writes. An upsert (``INSERT ... ON CONFLICT DO UPDATE ... WHERE``) would
    do the same in one statement but lock, and so write, every row it looks at. The
    table keeps free space in its pages (migration 0005), so a changed row's new version
    stays on its page and touches no index.
    """
    # Empty also when called twice in one outer transaction (no commit in between). Both
    # statements in one round trip: the incremental recompute pays for each under load.
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} ON COMMIT DELETE ROWS AS "
        f"SELECT * FROM farm_dailystate WITH NO DATA; DELETE FROM {STAGING}"
    )
    if len(columns["assignment_id"]):
        copy_rows(cursor, state_table(columns, computed_at, STAGING))
        # The stored rows are found through the assignments' index, so the plan never
        # reads the whole table, whatever the planner guesses of the staging table.
        cursor.execute(
            f"UPDATE farm_dailystate t SET {', '.join(f'{n} = s.{n}' for n in _VALUES)} "
            f"FROM {STAGING} s WHERE t.assignment_id = ANY(%s) "
            "AND t.assignment_id = s.assignment_id AND t.date = s.date "
            f"AND ({', '.join(f't.{n}' for n in _COMPARED)}) "
            f"IS DISTINCT FROM ({', '.join(f's.{n}' for n in _COMPARED)})",
            [scope.assignment_ids],
        )
        if not same_days:
            # Days not stored yet. ON CONFLICT: a writer outside the batch's lock (the
            # command line beside a worker) may have stored one since the update.
            cursor.execute(
                f"INSERT INTO farm_dailystate ({', '.join(NAMES)}) "
                f"SELECT {', '.join(NAMES)} FROM {STAGING} s WHERE NOT EXISTS "
                "(SELECT 1 FROM farm_dailystate t "
                "WHERE t.assignment_id = s.assignment_id AND t.date = s.date) "
                "ON CONFLICT (assignment_id, date) DO UPDATE SET "
                + ", ".join(f"{n} = EXCLUDED.{n}" for n in _VALUES)
            )
    if same_days:
        return
    cursor.execute(
        f"{scope.prefix}DELETE FROM farm_dailystate AS gone WHERE gone.id IN "
        f"(SELECT t.id FROM {scope.rows} AND NOT EXISTS (SELECT 1 FROM {STAGING} s "
        "WHERE s.assignment_id = t.assignment_id AND s.date = t.date))",
        scope.params,
    )


def _replace_sqlite(
    cursor, columns: dict[str, np.ndarray], computed_at: dt.datetime, windows: dict[int, dt.date]
) -> None:
    """SQLite: delete the windows' stored rows, insert the new ones."""
    # Without windows nothing is deleted, but the statement runs: a fixed count.
    prefix, condition, params = "", "1 = 0", []
    if windows:
        values = ", ".join(["(%s, %s)"] * len(windows))
        prefix = f"WITH w(a, d) AS (VALUES {values}) "
        condition = (
            "t.assignment_id IN (SELECT a FROM w) AND EXISTS (SELECT 1 FROM w "
            "WHERE t.assignment_id = w.a AND t.date >= w.d)"
        )
        params = [value for a, since in windows.items() for value in (a, since.isoformat())]
    cursor.execute(f"{prefix}DELETE FROM farm_dailystate AS t WHERE {condition}", params)
    if len(columns["assignment_id"]):
        insert_rows(cursor, state_table(columns, computed_at, TABLE))
