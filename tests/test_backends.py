"""The database and cache are the ones DATABASE_URL and REDIS_URL name (`make test-services` runs
the suite again against PostgreSQL and Redis; this proves that run really used them)."""

import os

import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.mark.django_db
def test_database_is_the_one_database_url_names():
    postgres = DATABASE_URL.startswith(("postgres://", "postgresql://"))
    User.objects.create_user("ines", password="colour-grade-19")
    assert connection.vendor == ("postgresql" if postgres else "sqlite")
    assert User.objects.filter(username__iexact="INES").count() == 1


def test_cache_is_redis_when_redis_url_is_set():
    cache = caches["default"]
    cache.set("argil:test:backend", {"page": 2}, timeout=30)
    assert cache.get("argil:test:backend") == {"page": 2}
    if not REDIS_URL:
        assert isinstance(cache, LocMemCache)
        return
    assert isinstance(cache, RedisCache)
    location = settings.CACHES["default"]["LOCATION"]  # the database of this test worker
    with redis.Redis.from_url(location) as server:  # the key is really in that Redis
        assert server.exists(cache.make_key("argil:test:backend")) == 1


def test_redis_cache_keeps_one_client_per_pool():
    """assets_browser.redis_cache: Django's backend, minus a new redis-py client per call."""
    from assets_browser.redis_cache import RedisCache as OurRedisCache

    cache = OurRedisCache("redis://127.0.0.1:1/0;redis://127.0.0.1:2/0", {})  # never connects
    writer = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is writer
    assert writer.connection_pool.connection_kwargs["port"] == 1  # writes go to the first
    reader = cache._cache.get_client()
    assert reader.connection_pool.connection_kwargs["port"] == 2  # reads to the replica
    assert cache._cache.get_client() is reader


@pytest.mark.skipif(not REDIS_URL, reason="make test-services runs it against a real Redis")
def test_redis_incr_keeps_djangos_rule_in_one_atomic_step():
    """assets_browser.redis_cache: incr as Django's (ValueError for a missing key, decr too),
    done by one script, so a counter never comes back without its expiry."""
    cache = caches["default"]
    cache.delete("argil:test:counter")
    with pytest.raises(ValueError, match="not found"):
        cache.incr("argil:test:counter")
    assert cache.get("argil:test:counter") is None  # not created by the failed incr
    cache.add("argil:test:counter", 0, timeout=30)
    assert cache.incr("argil:test:counter", 5) == 5
    assert cache.decr("argil:test:counter", 2) == 3
    location = settings.CACHES["default"]["LOCATION"]
    with redis.Redis.from_url(location) as server:
        assert 0 < server.ttl(cache.make_key("argil:test:counter")) <= 30
