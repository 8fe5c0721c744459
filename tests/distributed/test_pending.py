"""The pending day per batch: a burst of events becomes one task, and no window is lost."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import redis

from aquagrowth.distributed import pending
from aquagrowth.distributed.pending import LocalPendingStore, RedisPendingStore
from tests.distributed.conftest import REDIS_URL

MAY = dt.date(2024, 5, 1)
MARCH = dt.date(2024, 3, 1)


@pytest.fixture(params=["local", "redis"])
def store(request):
    if request.param == "local":
        yield LocalPendingStore()
        return
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at {REDIS_URL} unavailable: {exc}")
    yield RedisPendingStore(REDIS_URL)
    client.flushdb()


def test_only_the_first_event_of_a_burst_asks_for_a_task(store):
    assert store.mark(1, MAY) is True
    assert [store.mark(1, MAY + dt.timedelta(days=d)) for d in range(1, 50)] == [False] * 49
    assert store.mark(2, MAY) is True, "another batch is not coalesced with the first"


def test_the_task_takes_the_earliest_day_of_the_burst(store):
    store.mark(1, MAY)
    store.mark(1, MARCH)
    store.mark(1, MAY + dt.timedelta(days=3))
    assert store.take(1, "task-a") == (True, MARCH)
    assert store.take(1, "task-b") == (False, None), "a second task finds nothing left"


def test_a_full_recompute_request_wins_over_any_day(store):
    store.mark(1, MAY)
    store.mark(1, None)
    store.mark(1, MARCH)
    assert store.take(1, "task-a") == (True, None)


def test_events_after_the_take_ask_for_a_new_task(store):
    store.mark(1, MAY)
    store.take(1, "task-a")
    assert store.mark(1, MARCH + dt.timedelta(days=200)) is True


def test_a_redelivered_task_still_knows_its_whole_window(store):
    store.mark(1, MARCH)
    store.take(1, "task-a")
    # Its worker died; a later event marked the batch again before redelivery.
    store.mark(1, MAY)
    assert store.take(1, "task-a") == (True, MARCH)
    store.done("task-a")
    store.mark(1, MAY)
    assert store.take(1, "task-a") == (True, MAY), "done() forgot the old window"


def test_clear_lets_the_next_event_ask_again(store):
    store.mark(1, MAY)
    store.clear(1)
    assert store.mark(1, MAY) is True


@pytest.fixture
def redis_store():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at {REDIS_URL} unavailable: {exc}")
    yield RedisPendingStore(REDIS_URL)
    client.flushdb()


def test_a_mark_whose_task_was_never_sent_expires_within_seconds(redis_store, monkeypatch):
    """The sender was killed between the mark and the send (a broker that hung): its
    claim must not silence the batch's next events for the hours a mark may live."""
    monkeypatch.setattr(pending, "CLAIM_TTL_S", 1)
    assert redis_store.mark(1, MAY) is True
    assert redis_store.mark(1, MARCH) is False, "coalesced while the claim lives"
    time.sleep(1.3)
    assert redis_store.mark(1, MAY) is True, "the next event asks for a task again"


def test_a_mark_whose_task_was_sent_lives_until_the_task_takes_it(redis_store, monkeypatch):
    monkeypatch.setattr(pending, "CLAIM_TTL_S", 1)
    redis_store.mark(1, MAY)
    redis_store.confirm(1)
    time.sleep(1.3)
    assert redis_store.mark(1, MARCH) is False, "still pending: no second task"
    assert redis_store.take(1, "task-a") == (True, MARCH)
