"""Does a wrong password take as long for an existing username as for an unknown one?

A difference tells an attacker which usernames exist. This runs the real login view (production
settings: DEBUG off, Django's default password hasher, django-axes) in-process against a
throwaway SQLite database, alternating existing and unknown usernames (each kind first in every
other round), each try from its own address so the login throttle never answers instead, and
prints the median of each: wall-clock time (what an attacker sees) and the request's CPU time
(the work, steady on a busy machine). tests/test_login_timing.py counts the work itself.

    .venv/bin/python bench/login_timing.py [tries]     # 20 of each by default
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(tries: int) -> None:
    database = Path(tempfile.mkdtemp()) / "login-timing.sqlite3"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="argil_dashboard.settings",
        DJANGO_SECRET_KEY="bench-only-not-a-secret",
        DJANGO_DEBUG="0",
        DJANGO_HTTPS="0",
        DJANGO_LOG_LEVEL="ERROR",
        DJANGO_ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{database}",
    )
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    # Pages without a collectstatic manifest; nothing else differs from production.
    plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain_static}).enable()
    call_command("migrate", verbosity=0)
    get_user_model().objects.create_user("maya", password="cut-to-black-42")
    client = Client()
    timings: dict[str, list[float]] = {"existing": [], "unknown": []}
    cpu: dict[str, list[float]] = {"existing": [], "unknown": []}
    for n in range(tries + 1):  # the first round warms up imports and connections
        pair = [("existing", "maya"), ("unknown", f"nobody-{n}")]
        # Each kind goes first in every other round: whatever the first request of a pair pays
        # (a cold cache, the CPU's clock ramping up) falls on both alike.
        for kind, username in pair if n % 2 else pair[::-1]:
            address = f"198.51.{n // 200}.{n % 200 + (0 if kind == 'existing' else 50)}"
            started, cpu_started = time.perf_counter(), time.thread_time()
            response = client.post(
                "/login/", {"username": username, "password": "wrong-guess-1"}, REMOTE_ADDR=address
            )
            elapsed = time.perf_counter() - started
            cpu_used = time.thread_time() - cpu_started
            assert response.status_code == 200, (kind, response.status_code)
            if n:
                timings[kind].append(elapsed)
                cpu[kind].append(cpu_used)
    existing = statistics.median(timings["existing"]) * 1000
    unknown = statistics.median(timings["unknown"]) * 1000
    print(f"wrong password, median of {tries}: existing user {existing:.1f} ms, ", end="")
    print(f"unknown user {unknown:.1f} ms, difference {existing - unknown:+.1f} ms")
    # CPU time of the request's thread (the test client runs the view in it): the work done,
    # without the waits for the CPU that a busy machine adds to the wall clock.
    existing_cpu = statistics.median(cpu["existing"]) * 1000
    unknown_cpu = statistics.median(cpu["unknown"]) * 1000
    print(f"CPU time, median of {tries}: existing user {existing_cpu:.1f} ms, ", end="")
    print(f"unknown user {unknown_cpu:.1f} ms, difference {existing_cpu - unknown_cpu:+.1f} ms")
    database.unlink()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
