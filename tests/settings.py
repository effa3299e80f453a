"""Test settings: the real settings with a throwaway secret and a few speed-ups."""

import os

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

MIDDLEWARE = ["tests.key_leak_guard.KeyLeakGuardMiddleware", *MIDDLEWARE]  # noqa: F405
