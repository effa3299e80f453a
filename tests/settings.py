"""Test settings: the real settings with a throwaway secret and a few speed-ups."""

import os
import tempfile
from urllib.parse import urlsplit

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("DJANGO_HTTPS", "0")

from argil_dashboard.settings import *  # noqa: F403

# Templates resolve {% static %} without a collectstatic manifest; CI runs collectstatic apart.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the finders, as in development: no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ARGIL_API_KEY = "sk-test-SECRET-never-shown-7f3a9c"
ARGIL_API_TIMEOUT = 2
# /healthz reads the catalogue on every probe: tests change it between probes (tests/test_health.py
# covers the reuse).
HEALTHZ_REUSE_SECONDS = 0

MIDDLEWARE = ["tests.key_leak_guard.KeyLeakGuardMiddleware", *MIDDLEWARE]  # noqa: F405

# SQLite: a test database in a file, as a server has it. Django's default for tests is shared
# memory, whose table locks fail at once instead of waiting: concurrency tests would not tell.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"argil-test-{os.getpid()}.sqlite3")
    }

# Redis: the cache is cleared between tests (FLUSHDB, whatever the key prefix), so each xdist
# worker gets a Redis database of its own, numbered from the one REDIS_URL names.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _worker.removeprefix("gw").isdigit():  # noqa: F405
    _parts = urlsplit(REDIS_URL)  # noqa: F405
    _db = _parts.path.strip("/")
    _db_number = (int(_db) if _db.isdigit() else 0) + 1 + int(_worker.removeprefix("gw"))
    CACHES["default"]["LOCATION"] = _parts._replace(path=f"/{_db_number % 16}").geturl()  # noqa: F405
