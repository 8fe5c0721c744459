"""One writer per batch: a PostgreSQL advisory lock around each recompute.

Two workers may receive the same batch at once (an event task and the nightly run, or a
task redelivered while its first worker still runs). The runner replaces a batch's rows
in one transaction; without a lock two such transactions would interleave their deletes
and inserts and the second would fail on the unique (assignment, date) key, or both
would compute from a snapshot missing the other's events. With the lock they run one
after the other, so every run sees everything committed before it started.

The lock is session-level (the runner owns its own transaction), keyed by
(``LOCK_NAMESPACE``, batch id) so that it cannot collide with other advisory locks of
the same database. If the worker dies, PostgreSQL ends its session and releases the lock.
On SQLite this is a no-op: SQLite lets one writer at a time anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection
from django.db.backends.utils import CursorWrapper

log = logging.getLogger("aquagrowth.engine.locks")

LOCK_NAMESPACE = 0x41_47_52_43
"""First key of the two-key advisory lock: "AGRC" (aquagrowth recompute)."""


def batch_lock_key(batch_id: int) -> int:
    """The batch id as the signed 32-bit second key PostgreSQL's two-key form takes.

    Ids above 2**32 would wrap around and share a lock with a smaller id: harmless (the
    two batches merely wait for each other), and far beyond any farm's batch count.
    """
    low = batch_id & 0xFFFF_FFFF
    return low - (1 << 32) if low >= (1 << 31) else low


def _reset_lock_timeout(cursor: CursorWrapper) -> None:
    """Give the session back the server's ``lock_timeout``: the batch lock's own must not
    cut short the recompute's statements that follow on the same connection."""
    try:
        cursor.execute("RESET lock_timeout")
    except DatabaseError:
        # Inside a transaction the timed-out wait aborted it; the original error matters.
        log.debug("lock_timeout not reset", exc_info=True)


@contextmanager
def batch_lock(batch_id: int, timeout_s: float | None = None) -> Iterator[None]:
    """Hold the batch's advisory lock for the block; wait at most ``timeout_s`` seconds.

    Waiting longer raises ``django.db.OperationalError`` (lock not available), which the
    recompute task treats like any database error: it retries later.
    """
    if connection.vendor != "postgresql":
        yield
        return
    key = (LOCK_NAMESPACE, batch_lock_key(batch_id))
    with connection.cursor() as cursor:
        if timeout_s and not connection.in_atomic_block:
            # One statement, its own transaction: the timeout is set for it alone (a
            # local setting ends with the transaction), then the lock is waited for; no
            # reset to send after. A round trip is dear under load (docs/engine.md,
            # "Speed"); a materialized CTE is evaluated before the query that reads it.
            cursor.execute(
                "WITH t AS MATERIALIZED (SELECT set_config('lock_timeout', %s, true)) "
                "SELECT pg_advisory_lock(%s, %s) FROM t",
                [f"{int(timeout_s * 1000)}ms", *key],
            )
        elif timeout_s:
            # Inside a transaction a local setting would outlast the lock: set, then reset.
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, false)", [f"{int(timeout_s * 1000)}ms"]
            )
            try:
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
            finally:
                _reset_lock_timeout(cursor)
        else:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
    log.debug("batch %s locked", batch_id)
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
        except DatabaseError:
            # The session is gone, and PostgreSQL released its locks with it.
            log.warning("batch %s: lock not released explicitly (connection lost)", batch_id)
