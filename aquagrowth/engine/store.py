"""Write a batch's daily states: one transaction, bulk, replacing the old rows.

Readers see the old rows or the new ones, never a mix: every statement shares one
transaction, so a run killed half-way leaves the previous rows in place. On PostgreSQL
the rows go by binary COPY, built straight from the numpy arrays (no Python object per
value), into a staging table, then update the stored rows in place; on SQLite the old
rows are deleted and the new inserted with ``executemany``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction

from aquagrowth.db.bulk import copy_rows, insert_rows
from aquagrowth.db.copy import Column, Table, days_since_epoch
from aquagrowth.engine.core.outputs import STATE_COLUMNS, DailyStates
from aquagrowth.engine.models import StateDigest

TABLE = "farm_dailystate"


@dataclass(frozen=True)
class StoredColumn:
    """A column of the daily-state table: ``kind`` is a :class:`aquagrowth.db.copy.Column`
    kind; ``nullable``: a float column whose NaN is stored as NULL."""

    name: str
    kind: str
    nullable: bool = False


_KIND = {"count": "int4", "quantity": "float8", "code": "int2"}
KEY_COLUMNS: tuple[StoredColumn, ...] = (
    StoredColumn("assignment_id", "int8"),
    StoredColumn("batch_id", "int8"),
    StoredColumn("container_id", "int8"),
    StoredColumn("stage_id", "int8"),
    StoredColumn("date", "date"),
    StoredColumn("day_number", "int4"),
)
# Codes (anchor type, sources, flags) are the engine's own small integers.
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
    """The table's columns as arrays (codes still as integers, days as batch day indices)."""
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
    """``columns`` (days as days since the epoch) stamped ``computed_at``, bound for ``table``."""
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
    have exactly the days of the new ones, so none is left to delete. A fixed number of
    statements, whatever the batch's size.
    """
    computed_at = dt.datetime.now(dt.UTC)
    n = len(columns["assignment_id"])
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _upsert_postgres(cursor, columns, windows, computed_at, nothing_stored, same_days)
        else:
            scope, params = _scope(windows)
            cursor.execute(f"{scope[0]} DELETE FROM farm_dailystate AS t WHERE {scope[1]}", params)
            if n:
                insert_rows(cursor, state_table(columns, computed_at, TABLE))
    return n


def _scope(windows: dict[int, dt.date]) -> tuple[tuple[str, str], list]:
    """SQLite: a WITH prefix and a condition on ``t`` selecting the rows being replaced."""
    if not windows:
        return ("", "1 = 0"), []
    values = ", ".join(["(%s, %s)"] * len(windows))
    params = [value for a, since in windows.items() for value in (a, since.isoformat())]
    return (
        f"WITH w(a, d) AS (VALUES {values})",
        "t.assignment_id IN (SELECT a FROM w) AND EXISTS (SELECT 1 FROM w "
        "WHERE t.assignment_id = w.a AND t.date >= w.d)",
    ), params


def _upsert_postgres(cursor, columns, windows, computed_at, nothing_stored, same_days) -> None:
    """COPY into a staging table, update or insert from it, delete what it no longer has.

    Rows are compared in place and only those whose numbers changed are rewritten (they
    keep the time they were computed otherwise): a recompute of unchanged data costs
    reads, not writes. An upsert (``INSERT ... ON CONFLICT DO UPDATE ... WHERE``) would
    do the same in one statement but lock, and so write, every row it looks at. The
    table keeps free space in its pages (migration 0005), so a changed row's new version
    stays on its page and touches no index.
    """
    if not windows:
        prefix, rows, params = "", "farm_dailystate t WHERE false", []
    else:
        # Driven by the windows, each an index range on (assignment, date).
        prefix = f"WITH w(a, d) AS (VALUES {', '.join(['(%s, %s)'] * len(windows))}) "
        rows = "w JOIN farm_dailystate t ON t.assignment_id = w.a::bigint AND t.date >= w.d::date"
        params = [value for item in windows.items() for value in item]
    if not nothing_stored:
        cursor.execute(f"{prefix}SELECT EXISTS (SELECT 1 FROM {rows})", params)
        nothing_stored = not cursor.fetchone()[0]
    if nothing_stored:
        # Nothing stored yet (a new batch, a new farm): straight into the table.
        if len(columns["assignment_id"]):
            copy_rows(cursor, state_table(columns, computed_at, TABLE))
        return
    cursor.execute(
        "CREATE TEMP TABLE IF NOT EXISTS daily_state_staging ON COMMIT DELETE ROWS AS "
        "SELECT * FROM farm_dailystate WITH NO DATA"
    )
    # Empty also when called twice in one outer transaction (no commit in between).
    cursor.execute("DELETE FROM daily_state_staging")
    if len(columns["assignment_id"]):
        copy_rows(cursor, state_table(columns, computed_at, "daily_state_staging"))
        names = NAMES
        values = [name for name in names if name not in ("assignment_id", "date")]
        compared = [name for name in values if name != "computed_at"]
        # The stored rows are found through the assignments' index, so the plan never
        # reads the whole table, whatever the planner guesses of the staging table.
        cursor.execute(
            f"UPDATE farm_dailystate t SET {', '.join(f'{n} = s.{n}' for n in values)} "
            "FROM daily_state_staging s WHERE t.assignment_id = ANY(%s) "
            "AND t.assignment_id = s.assignment_id AND t.date = s.date "
            f"AND ({', '.join(f't.{n}' for n in compared)}) "
            f"IS DISTINCT FROM ({', '.join(f's.{n}' for n in compared)})",
            [list(windows)],
        )
        if not same_days:
            # Days not stored yet. ON CONFLICT: a writer outside the batch's lock (the
            # command line beside a worker) may have stored one since the update.
            cursor.execute(
                f"INSERT INTO farm_dailystate ({', '.join(names)}) "
                f"SELECT {', '.join(names)} FROM daily_state_staging s WHERE NOT EXISTS "
                "(SELECT 1 FROM farm_dailystate t "
                "WHERE t.assignment_id = s.assignment_id AND t.date = s.date) "
                "ON CONFLICT (assignment_id, date) DO UPDATE SET "
                + ", ".join(f"{n} = EXCLUDED.{n}" for n in values)
            )
    if same_days:
        return
    cursor.execute(
        f"{prefix}DELETE FROM farm_dailystate AS gone WHERE gone.id IN (SELECT t.id FROM {rows} "
        "AND NOT EXISTS (SELECT 1 FROM daily_state_staging s "
        "WHERE s.assignment_id = t.assignment_id AND s.date = t.date))",
        params,
    )


@dataclass
class Stored:
    """What :func:`store_batch` wrote."""

    rows: int
    assignments: int


def assignment_digests(columns: dict[str, np.ndarray]) -> dict[int, tuple[str, int]]:
    """Fingerprint (blake2b of every value but ``computed_at``) and row count per assignment.

    Rows are ordered by assignment, so each assignment's rows are one slice.
    """
    names = [name for name in NAMES if name != "computed_at"]
    table = np.empty(len(columns["assignment_id"]), dtype=[(n, columns[n].dtype) for n in names])
    for name in names:
        table[name] = columns[name]
    return {
        owner: (hashlib.blake2b(table[a:b].tobytes(), digest_size=32).hexdigest(), b - a)
        for owner, a, b in _assignment_slices(columns["assignment_id"])
    }


def _assignment_slices(owners: np.ndarray) -> list[tuple[int, int, int]]:
    """(assignment id, first row, row after the last) of each assignment's rows, which
    are one slice each (rows are ordered by assignment)."""
    if not len(owners):
        return []
    cuts = np.flatnonzero(np.diff(owners)) + 1
    starts = np.concatenate(([0], cuts)).tolist()
    stops = np.concatenate((cuts, [len(owners)])).tolist()
    return [(int(owners[a]), a, b) for a, b in zip(starts, stops, strict=True)]


def store_batch(
    batch_id: int,
    columns: dict[str, np.ndarray],
    window: np.ndarray,
    starts: dict[int, dt.date] | None,
    *,
    force: bool = False,
) -> Stored:
    """Store a batch's freshly computed rows, writing only assignments whose rows changed.

    ``columns`` holds all the batch's rows; ``window`` marks the rows a recompute from a
    day may rewrite and ``starts`` each assignment's first date in it (``None``: the whole
    batch). ``force`` rewrites every assignment in the window whatever its fingerprint.
    One transaction, a fixed number of statements.
    """
    owners = columns["assignment_id"]
    if starts is not None:
        # Assignments that end before the window are never rewritten: no fingerprint needed.
        candidate = np.isin(owners, list(starts))
        candidates = {name: values[candidate] for name, values in columns.items()}
    else:
        candidates = columns
    digests = assignment_digests(candidates)
    spans = _day_spans(candidates)
    with transaction.atomic():
        stored = _stored(batch_id, list(digests))
        # The fingerprint stands only while the rows it describes are all there: rows
        # deleted behind the engine's back (by hand, by a script) are written again.
        changed = [
            a
            for a, fingerprint in digests.items()
            if force or stored[a].rows != fingerprint[1] or stored[a].fingerprint != fingerprint
        ]
        if starts is None:
            rewrite = dict.fromkeys(changed, dt.date.min)
        else:
            rewrite = {a: starts[a] for a in changed if a in starts}
        rows = window & np.isin(owners, list(rewrite))
        picked = {name: values[rows] for name, values in columns.items()}
        if rewrite:
            _lock_assignments(batch_id, list(rewrite))
        # Fingerprints before the rows: deleting an assignment removes its fingerprint
        # first, so a delete that comes while the rows are written waits on the
        # fingerprint for this commit, where it would otherwise hold the fingerprint,
        # wait on the assignment's lock and deadlock with the write.
        StateDigest.objects.bulk_create(
            [
                StateDigest(assignment_id=a, digest=digests[a][0], rows=digests[a][1])
                for a in rewrite
            ],
            update_conflicts=True,
            unique_fields=["assignment"],
            update_fields=["digest", "rows"],
        )
        # Rows are keyed by assignment and day, whatever their batch: an assignment moved
        # to another batch has its rows rewritten there, and a deleted one takes its rows
        # with it, so no stale row can stay behind.
        return Stored(
            rows=replace_states(
                picked,
                rewrite,
                nothing_stored=not any(stored[a].rows for a in rewrite),
                same_days=all(
                    (stored[a].rows, stored[a].first, stored[a].last) == (digests[a][1], *spans[a])
                    for a in rewrite
                ),
            ),
            assignments=len(rewrite),
        )


@dataclass(frozen=True)
class _StoredRows:
    """What is stored for one assignment: its fingerprint, and its rows' count and days."""

    fingerprint: tuple[str, int] | None
    rows: int
    first: int | None
    last: int | None


class AssignmentsGone(LookupError):
    """Assignments of the batch were deleted while it was computed: nothing was stored.

    A new recompute leaves them out, so the runner counts this as transient (retried).
    """


def _stored(batch_id: int, assignment_ids: list[int]) -> dict[int, _StoredRows]:
    """Per assignment: the stored fingerprint, and the rows really stored (count, first and
    last day as days since the epoch). Two queries.

    The first also fails with :class:`AssignmentsGone` when an assignment no longer
    exists (see :func:`_lock_assignments` for what keeps it there while rows are written).
    """
    if not assignment_ids:
        return {}
    postgres = connection.vendor == "postgresql"
    wanted, params = (
        ("= ANY(%s)", [assignment_ids])
        if postgres
        else (
            f"IN ({', '.join(['%s'] * len(assignment_ids))})",
            assignment_ids,
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, d.digest, d.rows FROM farm_assignment a "
            f"LEFT JOIN farm_statedigest d ON d.assignment_id = a.id WHERE a.id {wanted}",
            params,
        )
        fingerprints = {a: None if digest is None else (digest, rows) for a, digest, rows in cursor}
        _refuse_gone(batch_id, assignment_ids, fingerprints)
        cursor.execute(
            "SELECT assignment_id, COUNT(*), MIN(date), MAX(date) FROM farm_dailystate "
            f"WHERE assignment_id {wanted} GROUP BY assignment_id",
            params,
        )
        present = {
            a: (n, days_since_epoch(first), days_since_epoch(last)) for a, n, first, last in cursor
        }
    return {
        a: _StoredRows(fingerprints[a], *present.get(a, (0, None, None))) for a in assignment_ids
    }


def _lock_assignments(batch_id: int, assignment_ids: list[int]) -> None:
    """Stand in for the foreign key the table does not have, once per write, not per row.

    On PostgreSQL the assignments about to get rows are locked as a key check would lock
    them (``FOR KEY SHARE``) until the rows are committed: a delete waits for the commit
    (and its trigger then takes the new rows along), and one committed before fails the
    write with :class:`AssignmentsGone`. Taken only when rows are written, so a recompute
    that changes nothing writes nothing (not even a lock). SQLite's writer holds the
    database from its first statement: nothing can be deleted meanwhile.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM farm_assignment WHERE id = ANY(%s) FOR KEY SHARE", [assignment_ids]
        )
        _refuse_gone(batch_id, assignment_ids, {a for (a,) in cursor})


def _refuse_gone(batch_id: int, wanted: list[int], present) -> None:
    gone = sorted(set(wanted) - set(present))
    if gone:
        raise AssignmentsGone(
            f"assignments {', '.join(map(str, gone))} of batch {batch_id} were deleted "
            "while it was computed; nothing stored (a new recompute leaves them out)"
        )


def _day_spans(columns: dict[str, np.ndarray]) -> dict[int, tuple[int, int]]:
    """First and last day (days since the epoch) of each assignment's rows."""
    days = columns["date"]
    return {
        owner: (int(days[a]), int(days[b - 1]))
        for owner, a, b in _assignment_slices(columns["assignment_id"])
    }
