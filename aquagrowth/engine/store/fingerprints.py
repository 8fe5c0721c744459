"""Fingerprints of each assignment's rows: the new ones, and what is stored.

A recompute of unchanged data should write nothing: each assignment's rows are hashed
(every value but ``computed_at``) and compared with the fingerprint stored with its rows
(``StateDigest``); the stored rows' count and first and last day, read alongside, tell
the writer whether anything is stored at all and whether the days are the same.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from django.db import connection

from aquagrowth.db.copy import days_since_epoch
from aquagrowth.engine.models import StateDigest
from aquagrowth.engine.store.guard import refuse_gone
from aquagrowth.engine.store.rows import NAMES


class Fingerprint(NamedTuple):
    """blake2b of an assignment's rows, and their number."""

    digest: str
    rows: int


@dataclass(frozen=True)
class StoredRows:
    """What is stored for one assignment: its fingerprint, and its rows' count and days
    (first and last, as days since the epoch)."""

    fingerprint: Fingerprint | None
    rows: int
    first: int | None
    last: int | None


def assignment_digests(columns: dict[str, np.ndarray]) -> dict[int, Fingerprint]:
    """Fingerprint (blake2b of every value but ``computed_at``) and row count per assignment.

    Rows are ordered by assignment, so each assignment's rows are one slice.
    """
    names = [name for name in NAMES if name != "computed_at"]
    table = np.empty(len(columns["assignment_id"]), dtype=[(n, columns[n].dtype) for n in names])
    for name in names:
        table[name] = columns[name]
    return {
        owner: Fingerprint(hashlib.blake2b(table[a:b].tobytes(), digest_size=32).hexdigest(), b - a)
        for owner, a, b in assignment_slices(columns["assignment_id"])
    }


def assignment_slices(owners: np.ndarray) -> list[tuple[int, int, int]]:
    """(assignment id, first row, row after the last) of each assignment's rows, which
    are one slice each (rows are ordered by assignment)."""
    if not len(owners):
        return []
    cuts = np.flatnonzero(np.diff(owners)) + 1
    starts = np.concatenate(([0], cuts)).tolist()
    stops = np.concatenate((cuts, [len(owners)])).tolist()
    return [(int(owners[a]), a, b) for a, b in zip(starts, stops, strict=True)]


def day_spans(columns: dict[str, np.ndarray]) -> dict[int, tuple[int, int]]:
    """First and last day (days since the epoch) of each assignment's rows."""
    days = columns["date"]
    return {
        owner: (int(days[a]), int(days[b - 1]))
        for owner, a, b in assignment_slices(columns["assignment_id"])
    }


def stored_rows(batch_id: int, assignment_ids: list[int]) -> dict[int, StoredRows]:
    """Per assignment: the stored fingerprint, and the rows really stored. One query.

    The fingerprints and the rows' count, first and last day come back together: one
    round trip and one plan where two cost the incremental recompute a tenth of its wall
    time (docs/engine.md, "Speed"). Fails with
    :class:`~aquagrowth.engine.store.guard.AssignmentsGone` when an assignment no longer
    exists (see :func:`~aquagrowth.engine.store.guard.lock_assignments` for what keeps it
    there while rows are written).
    """
    if not assignment_ids:
        return {}
    if connection.vendor == "postgresql":
        wanted, params = "= ANY(%s)", [assignment_ids]
    else:
        wanted, params = f"IN ({', '.join(['%s'] * len(assignment_ids))})", assignment_ids
    # The counts are grouped first, then joined: each assignment's rows are read once,
    # through the (assignment, date) index, whatever the planner guesses of the join.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, d.digest, d.rows, s.n, s.first, s.last FROM farm_assignment a "
            "LEFT JOIN farm_statedigest d ON d.assignment_id = a.id "
            "LEFT JOIN (SELECT assignment_id, COUNT(*) AS n, MIN(date) AS first, "
            f"MAX(date) AS last FROM farm_dailystate WHERE assignment_id {wanted} "
            "GROUP BY assignment_id) s ON s.assignment_id = a.id "
            f"WHERE a.id {wanted}",
            params + params,
        )
        found = {
            a: StoredRows(
                None if digest is None else Fingerprint(digest, rows),
                n or 0,
                None if first is None else days_since_epoch(first),
                None if last is None else days_since_epoch(last),
            )
            for a, digest, rows, n, first, last in cursor
        }
    refuse_gone(batch_id, assignment_ids, found)
    return {a: found[a] for a in assignment_ids}


def save_fingerprints(digests: dict[int, Fingerprint], assignment_ids: list[int]) -> None:
    """Store the fingerprints of ``assignment_ids`` (one statement), replacing the old."""
    StateDigest.objects.bulk_create(
        [
            StateDigest(assignment_id=a, digest=digests[a].digest, rows=digests[a].rows)
            for a in assignment_ids
        ],
        update_conflicts=True,
        unique_fields=["assignment"],
        update_fields=["digest", "rows"],
    )
