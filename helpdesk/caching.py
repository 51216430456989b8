"""Caches of rows read from the database, and dropping them when those rows change."""

from functools import partial

from django.core.cache import cache
from django.core.cache.backends import redis as redis_backend
from django.db import transaction


def drop_now_and_after_commit(drop=None, *, key: str | None = None) -> None:
    """Drop a cache entry (`key`, or whatever `drop` clears) now and again after the current
    transaction commits: a request may read the old rows in between and cache them again."""
    drop = drop or partial(cache.delete, key)
    drop()
    transaction.on_commit(drop, robust=True)


def saves_only_last_login(update_fields) -> bool:
    """Whether a user's save changed only the last log-in (every log-in saves the user), which no
    cache holds."""
    return bool(update_fields) and set(update_fields) <= {"last_login"}


class RedisCacheClient(redis_backend.RedisCacheClient):
    """Django's Redis cache client, keeping one redis-py client per connection pool. Django builds a
    new redis.Redis for every cache call, which costs about 0.15 ms of CPU with redis-py 8, and an
    agent's search makes four (session, reviewers, two for the rate limit): a tenth of its Python
    time. redis-py's clients are meant to be shared, between threads too; the connections stay in
    the pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(redis_backend.RedisCache):
    """The default cache in production (settings.CACHES), see RedisCacheClient."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
