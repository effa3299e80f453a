"""The database and cache are the ones DATABASE_URL and REDIS_URL name (`make test-services` runs
the suite again against PostgreSQL and Redis; this proves that run really used them)."""

import os

import pytest
import redis
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
    with redis.Redis.from_url(REDIS_URL) as server:  # the key is really in that Redis
        assert server.exists(cache.make_key("argil:test:backend")) == 1
