"""Django's Redis cache, with one Redis client per connection pool instead of per call.

Django's backend builds a new ``redis.Redis`` on every cache call; redis-py 8 fills some
170 response callbacks in its constructor, about 0.2 ms, which is a tenth of what a
cached growth answer costs the web process. The client is thread-safe (its pool hands
each command a connection), so one per pool is enough.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class _Client(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    """``django.core.cache.backends.redis.RedisCache``, its clients kept."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _Client
