"""The earliest day still to recompute, per batch: how a burst of events becomes one task.

The first event of a batch marks it pending and enqueues one task with a short
countdown; later events only move the pending day earlier. The task takes the pending
day when it starts, so events that arrive while it computes mark the batch pending
anew and get a task of their own: nothing is lost, and a year of imported data does not
become a million tasks.

A taken day is kept under the task's id until the task finishes ("in flight"), so a
task redelivered after its worker died still knows the whole window it was given.

A new mark is a short claim (:data:`CLAIM_TTL_S`) until its task is sent
(:meth:`PendingStore.confirm`): a send that fails clears it, and one that never returns
(the process killed while the broker hung) leaves a claim that expires within seconds,
so the batch's next event sends a task again instead of waiting hours for one that was
never sent.

With a Redis broker the store lives in Redis and every process shares it. Without one
(tasks run in-process) an in-process store does the same for the one process.
"""

from __future__ import annotations

import datetime as dt
import threading
from functools import cache
from typing import Protocol

import redis
from django.conf import settings
from django.db import connection
from redis.backoff import NoBackoff
from redis.retry import Retry

FULL = ""
"""How a full recompute (``since=None``) is stored: it sorts before every ISO date."""

INFLIGHT_TTL_S = 24 * 3600
# A pending mark outlives any sane queue wait; it expires only so that a task lost with
# a broker that was wiped cannot silence a batch's triggers for ever.
PENDING_TTL_S = 6 * 3600
CLAIM_TTL_S = 30
"""A new mark's life until its task is sent (then :data:`PENDING_TTL_S`): far longer than
a send may take (``AQUAGROWTH_BROKER_TIMEOUT_S``), short enough that a send cut off
with its process silences the batch's triggers for seconds, not hours."""


def encode_since(since: dt.date | None) -> str:
    """A window as stored: ISO text sorts as the dates do, so the smaller string is the
    earlier day (and :data:`FULL` the widest window), in Lua as in Python."""
    return FULL if since is None else since.isoformat()


def decode_since(value: str) -> dt.date | None:
    """A stored window back as a day (``None``: every day)."""
    return None if value == FULL else dt.date.fromisoformat(value)


def earliest(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    """The wider of two windows; ``None`` (from the first day) is the widest."""
    if a is None or b is None:
        return None
    return min(a, b)


class PendingStore(Protocol):
    def mark(self, batch_id: int, since: dt.date | None) -> bool:
        """Move the batch's pending day to ``since`` if earlier; True if none was pending."""

    def take(self, batch_id: int, task_id: str) -> tuple[bool, dt.date | None]:
        """Clear the pending day and hold it in flight for ``task_id``: (found, since)."""

    def done(self, task_id: str) -> None:
        """Forget what ``task_id`` held in flight: its recompute is stored."""

    def clear(self, batch_id: int) -> None:
        """Drop the pending mark (its task could not be sent)."""

    def confirm(self, batch_id: int) -> None:
        """The marked batch's task is sent: keep the mark until the task takes it."""


class LocalPendingStore:
    """One process's pending days: coalesces when tasks run in-process."""

    def __init__(self) -> None:
        """Empty; one lock guards both maps, as the web server's threads share them."""
        self._lock = threading.Lock()
        self._pending: dict[int, str] = {}
        self._inflight: dict[str, str] = {}

    def mark(self, batch_id: int, since: dt.date | None) -> bool:
        """See :meth:`PendingStore.mark`."""
        value = encode_since(since)
        with self._lock:
            current = self._pending.get(batch_id)
            if current is None:
                self._pending[batch_id] = value
                return True
            self._pending[batch_id] = min(current, value)
            return False

    def take(self, batch_id: int, task_id: str) -> tuple[bool, dt.date | None]:
        """See :meth:`PendingStore.take`; the day already in flight for ``task_id`` (an
        earlier attempt's) counts too."""
        with self._lock:
            held = (self._pending.pop(batch_id, None), self._inflight.get(task_id))
            values = [v for v in held if v is not None]
            if not values:
                return False, None
            self._inflight[task_id] = min(values)
            return True, decode_since(min(values))

    def done(self, task_id: str) -> None:
        """See :meth:`PendingStore.done`."""
        with self._lock:
            self._inflight.pop(task_id, None)

    def clear(self, batch_id: int) -> None:
        """See :meth:`PendingStore.clear`."""
        with self._lock:
            self._pending.pop(batch_id, None)

    def confirm(self, batch_id: int) -> None:
        """Nothing to do: in-process marks do not expire (the task runs before the send
        returns)."""


_MARK = """
local current = redis.call('GET', KEYS[1])
if current == false then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
if ARGV[1] < current then
  redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
end
return 0
"""

_TAKE = """
local pending = redis.call('GET', KEYS[1])
local inflight = redis.call('GET', KEYS[2])
redis.call('DEL', KEYS[1])
local best = pending
if inflight ~= false and (best == false or inflight < best) then
  best = inflight
end
if best == false then
  return false
end
redis.call('SET', KEYS[2], best, 'EX', ARGV[1])
return best
"""


class RedisPendingStore:
    """Pending days in Redis, shared by web processes, importers and workers.

    Keys carry the database name, so two farms (or a test database) sharing one Redis
    never see each other's batches. Each operation is one Lua script: atomic.
    """

    def __init__(self, url: str) -> None:
        """Connect to ``url`` and load the scripts (Redis caches them by their hash).

        Each command is tried once, within the broker's timeouts: a Redis that hangs
        costs a save ``AQUAGROWTH_BROKER_TIMEOUT_S``, not redis-py's default of ten
        retries of five seconds each.
        """
        self.url = url
        self.client = redis.Redis.from_url(
            url,
            socket_connect_timeout=settings.AQUAGROWTH_BROKER_CONNECT_TIMEOUT_S,
            socket_timeout=settings.AQUAGROWTH_BROKER_TIMEOUT_S,
            retry=Retry(NoBackoff(), 0),
        )
        self._mark = self.client.register_script(_MARK)
        self._take = self.client.register_script(_TAKE)

    @staticmethod
    def _prefix() -> str:
        """The keys' prefix: the database name keeps farms sharing one Redis apart."""
        return f"aquagrowth:{connection.settings_dict['NAME']}"

    def _pending_key(self, batch_id: int) -> str:
        """Where the batch's pending day is kept."""
        return f"{self._prefix()}:pending:{batch_id}"

    def _inflight_key(self, task_id: str) -> str:
        """Where the day a task took is kept until it is done (for a redelivery or retry)."""
        return f"{self._prefix()}:inflight:{task_id}"

    def mark(self, batch_id: int, since: dt.date | None) -> bool:
        """See :meth:`PendingStore.mark`; one script, so two processes marking the same
        batch at once cannot both send a task."""
        keys = [self._pending_key(batch_id)]
        return bool(self._mark(keys=keys, args=[encode_since(since), CLAIM_TTL_S]))

    def take(self, batch_id: int, task_id: str) -> tuple[bool, dt.date | None]:
        """See :meth:`PendingStore.take`; one script, so an event marked meanwhile is
        either taken now or left pending for the next task, never lost."""
        keys = [self._pending_key(batch_id), self._inflight_key(task_id)]
        value = self._take(keys=keys, args=[INFLIGHT_TTL_S])
        if value is None:
            return False, None
        return True, decode_since(value.decode())

    def done(self, task_id: str) -> None:
        """See :meth:`PendingStore.done`."""
        self.client.delete(self._inflight_key(task_id))

    def clear(self, batch_id: int) -> None:
        """See :meth:`PendingStore.clear`."""
        self.client.delete(self._pending_key(batch_id))

    def confirm(self, batch_id: int) -> None:
        """See :meth:`PendingStore.confirm`: the claim becomes a mark of
        :data:`PENDING_TTL_S` (if the task has not taken it already)."""
        self.client.expire(self._pending_key(batch_id), PENDING_TTL_S)


_local_store = LocalPendingStore()


@cache
def _redis_store(url: str) -> RedisPendingStore:
    """One store per URL and process, so that its connection pool is reused."""
    return RedisPendingStore(url)


def pending_store_url() -> str:
    """Where pending days live: ``AQUAGROWTH_PENDING_URL``, else a Redis broker, else ''."""
    from aquagrowth.celery import app

    explicit = settings.AQUAGROWTH_PENDING_URL
    if explicit:
        return explicit
    if app.conf.task_always_eager:
        return ""
    broker = app.conf.broker_url or ""
    return broker if broker.startswith(("redis://", "rediss://")) else ""


def pending_store() -> PendingStore:
    """The store every process of the deployment shares (Redis), or, with tasks run
    in-process, this process's own."""
    url = pending_store_url()
    return _redis_store(url) if url else _local_store
