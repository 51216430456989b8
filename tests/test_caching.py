"""The production cache (Django's Redis backend, settings.CACHES) against the machine's real Redis:
the calls the product makes behave as the code expects."""

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache

# A database of its own: the test run's Celery broker lives in db 14, `make run` in 0 and 1.
TEST_CACHE_URL = settings.CELERY_BROKER_URL.rsplit("/", 1)[0] + "/15"


def test_the_configured_backend_is_djangos_redis_cache():
    from helpdesk.settings import base

    assert base.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


@pytest.fixture
def redis_cache():
    cache = RedisCache(TEST_CACHE_URL, {"KEY_PREFIX": "test-caching"})
    cache.clear()
    yield cache
    cache.clear()


def test_it_stores_reads_counts_and_forgets(redis_cache):
    redis_cache.set("lists", {"tiers": [1, 2, 3]}, 60)
    assert redis_cache.get("lists") == {"tiers": [1, 2, 3]}
    assert redis_cache.add("counter", 0, 60) is True
    assert redis_cache.add("counter", 5, 60) is False
    assert redis_cache.incr("counter") == 1
    redis_cache.delete("lists")
    assert redis_cache.get("lists", "gone") == "gone"
    with pytest.raises(ValueError):
        redis_cache.incr("never-set")
