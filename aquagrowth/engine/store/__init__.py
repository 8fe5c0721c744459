"""Store a batch's daily states, writing only the assignments whose rows changed.

One transaction per batch, a fixed number of statements whatever its size, split by job:

- :mod:`.rows`: the table's columns from the core's :class:`DailyStates` (declared once
  in :data:`aquagrowth.engine.core.outputs.STATE_COLUMNS`);
- :mod:`.fingerprints`: a hash of each assignment's rows, new and stored, so unchanged
  assignments are not written at all;
- :mod:`.guard`: the assignments checked and locked once per write, in place of a
  foreign key;
- :mod:`.write`: the SQL that replaces the rows, per database (COPY into a staging
  table and update in place on PostgreSQL, delete and insert on SQLite);
- :mod:`.summaries`: each stay's summary, written with its rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import transaction

from aquagrowth.engine.models import StaySummary
from aquagrowth.engine.store.fingerprints import (
    Fingerprint,
    StoredRows,
    assignment_digests,
    day_spans,
    save_fingerprints,
    stored_rows,
)
from aquagrowth.engine.store.guard import AssignmentsGone, lock_assignments
from aquagrowth.engine.store.rows import COLUMNS, KEY_COLUMNS, NAMES, row_columns, state_table
from aquagrowth.engine.store.summaries import save_summaries, summary_records
from aquagrowth.engine.store.write import replace_states

__all__ = [
    "COLUMNS",
    "KEY_COLUMNS",
    "NAMES",
    "AssignmentsGone",
    "Stored",
    "assignment_digests",
    "replace_states",
    "row_columns",
    "state_table",
    "store_batch",
    "summary_records",
]


@dataclass
class Stored:
    """What :func:`store_batch` wrote."""

    rows: int
    assignments: int


def store_batch(
    batch_id: int,
    columns: dict[str, np.ndarray],
    window: np.ndarray,
    starts: dict[int, dt.date] | None,
    *,
    force: bool = False,
    summaries: dict[int, StaySummary] | None = None,
) -> Stored:
    """Store a batch's freshly computed rows, writing only assignments whose rows changed.

    ``columns`` holds all the batch's rows; ``window`` marks the rows a recompute from a
    day may rewrite and ``starts`` each assignment's first date in it (``None``: the whole
    batch). ``force`` rewrites every assignment in the window whatever its fingerprint.
    ``summaries`` (assignment id -> its stay summary) are written for the assignments
    whose rows are. One transaction, a fixed number of statements.
    """
    owners = columns["assignment_id"]
    if starts is not None:
        # Assignments that end before the window are never rewritten: no fingerprint needed.
        candidate = np.isin(owners, list(starts))
        candidates = {name: values[candidate] for name, values in columns.items()}
    else:
        candidates = columns
    digests = assignment_digests(candidates)
    spans = day_spans(candidates)
    with transaction.atomic():
        stored = stored_rows(batch_id, list(digests))
        rewrite = _rewrite(digests, stored, starts, force)
        rows = window & np.isin(owners, list(rewrite))
        if rewrite:
            lock_assignments(batch_id, list(rewrite))
        # Fingerprints before the rows: deleting an assignment removes its fingerprint
        # first, so a delete that comes while the rows are written waits on the
        # fingerprint for this commit, where it would otherwise hold the fingerprint,
        # wait on the assignment's lock and deadlock with the write.
        save_fingerprints(digests, list(rewrite))
        save_summaries(summaries or {}, list(rewrite))
        # Rows are keyed by assignment and day, whatever their batch: an assignment moved
        # to another batch has its rows rewritten there, and a deleted one takes its rows
        # with it, so no stale row can stay behind.
        written = replace_states(
            {name: values[rows] for name, values in columns.items()},
            rewrite,
            nothing_stored=not any(stored[a].rows for a in rewrite),
            same_days=all(
                (stored[a].rows, stored[a].first, stored[a].last) == (digests[a].rows, *spans[a])
                for a in rewrite
            ),
        )
        return Stored(rows=written, assignments=len(rewrite))


def _rewrite(
    digests: dict[int, Fingerprint],
    stored: dict[int, StoredRows],
    starts: dict[int, dt.date] | None,
    force: bool,
) -> dict[int, dt.date]:
    """Assignment id -> first date to rewrite, for each assignment whose rows changed."""
    # The fingerprint stands only while the rows it describes are all there: rows
    # deleted behind the engine's back (by hand, by a script) are written again.
    changed = [
        a
        for a, fingerprint in digests.items()
        if force or stored[a].rows != fingerprint.rows or stored[a].fingerprint != fingerprint
    ]
    if starts is None:
        return dict.fromkeys(changed, dt.date.min)
    return {a: starts[a] for a in changed if a in starts}
