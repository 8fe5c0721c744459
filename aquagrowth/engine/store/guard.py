"""Keeping a batch's assignments there while their rows are written.

The daily-state table has no foreign key to the assignments (a key check per row would
cost more than the write): the store checks and locks the assignments once per write
instead, and a deleted assignment's trigger takes its rows along.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection


class AssignmentsGone(LookupError):
    """Assignments of the batch were deleted while it was computed: nothing was stored.

    A new recompute leaves them out, so the runner counts this as transient (retried).
    """


def lock_assignments(batch_id: int, assignment_ids: list[int]) -> None:
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
        refuse_gone(batch_id, assignment_ids, {a for (a,) in cursor})


def refuse_gone(batch_id: int, wanted: list[int], present: Iterable[int]) -> None:
    """Raise :class:`AssignmentsGone` naming the ``wanted`` assignments not ``present``."""
    gone = sorted(set(wanted) - set(present))
    if gone:
        raise AssignmentsGone(
            f"assignments {', '.join(map(str, gone))} of batch {batch_id} were deleted "
            "while it was computed; nothing stored (a new recompute leaves them out)"
        )
