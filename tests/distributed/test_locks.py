"""The batch lock: while one session recomputes a batch, no other session can."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError

from aquagrowth.distributed.locks import LOCK_NAMESPACE, batch_lock, batch_lock_key
from tests.conftest import on_postgres

pytestmark = pytest.mark.django_db(transaction=True)


def _free_for_others(side_connection, batch_id: int) -> bool:
    key = batch_lock_key(batch_id)
    with side_connection.cursor() as cur:
        got = cur.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_NAMESPACE, key)).fetchone()[
            0
        ]
        if got:
            cur.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_NAMESPACE, key))
    return got


def test_ids_map_to_distinct_int4_keys():
    keys = [batch_lock_key(i) for i in (1, 2, 2**31 - 1, 2**31, 2**32 - 1)]
    assert len(set(keys)) == len(keys)
    assert all(-(2**31) <= k < 2**31 for k in keys)


def test_a_locked_batch_is_locked_for_every_other_session(side_connection):
    with batch_lock(7):
        assert not _free_for_others(side_connection, 7)
        assert _free_for_others(side_connection, 8), "another batch is not held up"
    assert _free_for_others(side_connection, 7), "the lock is released after the block"


def test_the_lock_is_released_when_the_block_fails(side_connection):
    with pytest.raises(RuntimeError), batch_lock(7):
        raise RuntimeError("engine failure")
    assert _free_for_others(side_connection, 7)


def test_waiting_for_a_busy_batch_gives_up_after_the_timeout(side_connection):
    key = batch_lock_key(7)
    side_connection.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_NAMESPACE, key))
    started = time.monotonic()
    with pytest.raises(OperationalError, match="lock timeout"), batch_lock(7, timeout_s=0.3):
        pass
    assert 0.25 < time.monotonic() - started < 5


def test_sqlite_needs_no_lock():
    if on_postgres():
        pytest.skip("SQLite only: PostgreSQL takes a real lock (tests above)")
    with batch_lock(7), batch_lock(7):
        pass
