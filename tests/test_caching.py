"""The production cache backend (helpdesk.caching.RedisCache) against the machine's real Redis: it
behaves as Django's Redis cache and builds one redis-py client per connection pool, not one per call."""

import pytest
from django.conf import settings

from helpdesk.caching import RedisCache

# A database of its own: the test run's Celery broker lives in db 14, `make run` in 0 and 1.
TEST_CACHE_URL = settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + "/15"


@pytest.fixture
def redis_cache():
    cache = RedisCache(TEST_CACHE_URL, {"KEY_PREFIX": "test-caching"})
    cache.clear()
    yield cache
    cache.clear()


def test_it_stores_reads_counts_and_forgets_like_djangos_redis_cache(redis_cache):
    redis_cache.set("lists", {"tiers": [1, 2, 3]}, 60)
    assert redis_cache.get("lists") == {"tiers": [1, 2, 3]}
    assert redis_cache.add("counter", 0, 60) is True
    assert redis_cache.add("counter", 5, 60) is False
    assert redis_cache.incr("counter") == 1
    redis_cache.delete("lists")
    assert redis_cache.get("lists", "gone") == "gone"
    with pytest.raises(ValueError):
        redis_cache.incr("never-set")


def test_every_call_shares_one_client_and_its_connections(redis_cache):
    redis_cache.set("a", 1, 60)
    client = redis_cache._cache.get_client(write=True)
    for _ in range(20):
        redis_cache.get("a")
    assert redis_cache._cache.get_client() is client
    assert client.connection_pool._created_connections == 1
