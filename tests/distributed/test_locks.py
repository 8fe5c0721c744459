"""The batch lock: while one session recomputes a batch, no other session can."""

from __future__ import annotations

import threading
import time
from contextlib import nullcontext

import pytest
from django.db import OperationalError, connection, transaction

from aquagrowth.engine.locks import LOCK_NAMESPACE, batch_lock, batch_lock_key
from aquagrowth.engine.models import DailyState
from aquagrowth.engine.runner import BatchResult, recompute_batch
from tests.distributed.farm import state_rows

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


def _lock_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        return cursor.fetchone()[0]


@pytest.mark.parametrize("in_transaction", [False, True], ids=["autocommit", "transaction"])
def test_the_batch_locks_timeout_does_not_outlast_the_wait(side_connection, in_transaction):
    """The recompute's own statements (its row locks, its writes) keep the server's
    lock_timeout: only the wait for the batch lock is cut short, whether the lock is
    taken in its own transaction (the runner) or inside one."""
    server = _lock_timeout()
    with transaction.atomic() if in_transaction else nullcontext(), batch_lock(7, timeout_s=0.3):
        assert _lock_timeout() == server
    key = batch_lock_key(7)
    side_connection.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_NAMESPACE, key))
    with pytest.raises(OperationalError, match="lock timeout"), batch_lock(7, timeout_s=0.3):
        pass
    assert _lock_timeout() == server


def test_two_recomputes_of_one_batch_at_once_both_succeed_and_store_one_recompute(farm_batch):
    """What the lock is for, on either database: two sessions recomputing one batch at
    once (an event's task and the nightly one) both succeed, and the rows are those of
    one recompute. On PostgreSQL the advisory lock puts them one after the other; on
    SQLite the lock is a no-op and SQLite's single writer does it."""
    batch, _, _ = farm_batch
    assert recompute_batch(batch.pk).ok
    expected = state_rows(batch.pk)
    DailyState.objects.filter(batch=batch).delete()
    results: list[BatchResult] = []
    start = threading.Barrier(2)

    def recompute_under_the_lock() -> None:
        try:
            start.wait(10)
            with batch_lock(batch.pk, timeout_s=30):
                results.append(recompute_batch(batch.pk))
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=recompute_under_the_lock) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [result.error for result in results] == [None, None]
    assert state_rows(batch.pk) == expected
