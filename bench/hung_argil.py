"""What a hung or dripping Argil does to the dashboard: before/after figures for the fault notes.

    .venv/bin/python bench/hung_argil.py [--root CHECKOUT] [--drip-bytes N]

Runs the dashboard found in CHECKOUT (default: this one) as in production: gunicorn with
gunicorn.conf.py (2 processes x 8 threads, DEBUG off), a throwaway redis-server as the shared
cache, SQLite. Argil is the loopback fake of the tests (tests/fake_api.py), which can hang,
drip and count calls. Measured, one after the other (the cache is flushed between them):

1. 50 concurrent views of distinct cold queries while Argil hangs: their p50 and max; /healthz
   and a cached page polled meanwhile (p95, max);
2. 14 identical concurrent cold views while Argil hangs: how many calls reached Argil;
3. one cold view whose answer Argil drips a byte at a time, and one whose headers it drips:
   the wall time.

Loopback only; everything it starts is stopped on the way out. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    Sample,
    answers,
    free_port,
    http,
    login,
    process,
    redis_pings,
)
from tests import testdata  # noqa: E402
from tests.fake_api import FakeArgilAPI  # noqa: E402

USER, PASSWORD = "bench-editor", secrets.token_urlsafe(12)
HANG = 120  # seconds the fake holds a hung answer (cut short when the run ends)
REQUEST_TIMEOUT = 150  # what the measuring client waits, far past any dashboard budget


def asset(n: int) -> dict:
    return testdata.asset(testdata.asset_id(n), f"Harbour at dawn, take {n}")


PAGE = [asset(1)]
TOTALS = {"X-Total-Count": "1", "X-Page": "1", "X-Page-Size": "20", "X-Total-Pages": "1"}


def flush(redis_port: int) -> None:
    with socket.create_connection(("127.0.0.1", redis_port), timeout=5) as sock:
        sock.sendall(b"FLUSHALL\r\n")
        sock.recv(64)


def manage(root: Path, env: dict[str, str], *args: str) -> None:
    import subprocess

    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=root, env=env, check=True, capture_output=True
    )


def timed_get(session, url: str) -> tuple[float, int | None]:
    started = time.perf_counter()
    try:
        status = session.get(url, timeout=REQUEST_TIMEOUT).status_code
    except Exception:  # a measurement: the failure is the result
        status = None
    return time.perf_counter() - started, status


def clone(session):
    copy = http()
    copy.cookies.update(session.cookies)
    return copy


def poll_while(stop: threading.Event, session, url: str, sample: Sample, every: float) -> None:
    while not stop.is_set():
        seconds, status = timed_get(session, url)
        sample.add(seconds, None if status == 200 else f"HTTP {status}")
        stop.wait(every)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to run")
    parser.add_argument("--drip-bytes", type=int, default=300, help="size of the dripped body")
    parser.add_argument("--drip-interval", type=float, default=0.25, help="seconds per byte")
    args = parser.parse_args()
    root = args.root.resolve()
    rows: list[tuple[str, str]] = []

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hung-argil-")))
        fake = stack.enter_context(FakeArgilAPI())
        fake.default(200, PAGE, headers=TOTALS)
        redis_port = free_port()
        redis = shutil.which("redis-server")
        assert redis, "redis-server is needed (the shared cache)"
        cmd = [
            redis,
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp),
        ]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DJANGO_SETTINGS_MODULE": "argil_dashboard.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_HTTPS": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_STATIC_ROOT": str(tmp / "static"),
            "DATABASE_URL": f"sqlite:///{tmp / 'hung.sqlite3'}",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "ARGIL_API_KEY": "sk-bench-" + secrets.token_hex(8),
            "ARGIL_API_BASE_URL": fake.url,
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "8",
            "DJANGO_LOG_LEVEL": "WARNING",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        stack.enter_context(process("hung-redis", cmd, env=env, ready=redis_pings(redis_port)))
        manage(root, env, "collectstatic", "--noinput")
        manage(root, env, "migrate", "--noinput")
        manage(
            root,
            env,
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_user({USER!r}, password={PASSWORD!r})",
        )
        port = free_port()
        env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
        base = f"http://127.0.0.1:{port}"
        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "argil_dashboard.wsgi",
        ]
        import subprocess

        log = open(tmp / "gunicorn.log", "wb")  # noqa: SIM115 (closed with the stack)
        stack.callback(log.close)
        proc = subprocess.Popen(
            gunicorn,
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def stop_gunicorn() -> None:
            proc.terminate()
            proc.wait(20)

        stack.callback(stop_gunicorn)
        deadline = time.monotonic() + 30
        while not answers(base + "/healthz")():
            assert proc.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)
        editor = login(base, USER, PASSWORD)
        assert editor.get(base + "/?type=VIDEO", timeout=30).status_code == 200  # cached page

        # 1. 50 distinct cold views while Argil hangs
        fake.reset()
        fake.default(200, PAGE, headers=TOTALS, delay=HANG)
        stop = threading.Event()
        health, cached = Sample(), Sample()
        pollers = [
            threading.Thread(
                target=poll_while, args=(stop, clone(editor), base + "/healthz", health, 0.05)
            ),
            threading.Thread(
                target=poll_while, args=(stop, clone(editor), base + "/?type=VIDEO", cached, 0.2)
            ),
        ]
        for t in pollers:
            t.start()
        views = Sample()
        with ThreadPoolExecutor(50) as pool:
            results = list(
                pool.map(
                    lambda n: timed_get(clone(editor), f"{base}/?type=IMAGE&page={n + 2}"),
                    range(50),
                )
            )
        stop.set()
        for t in pollers:
            t.join()
        for seconds, status in results:
            views.add(seconds, None if status in (502, 503, 504) else f"HTTP {status}")
        statuses = sorted({str(s) for _, s in results})
        rows.append(
            (
                "50 cold views, Argil hung: p50 / max",
                f"{views.p50 / 1000:.2f} s / {max(views.seconds):.2f} s "
                f"(statuses {', '.join(statuses)})",
            )
        )
        rows.append(("calls to Argil for those 50 views", str(len(fake.requests))))
        rows.append(
            (
                "/healthz meanwhile: p95 / max",
                f"{health.p95:.0f} ms / {max(health.seconds) * 1000:.0f} ms "
                f"({len(health.seconds)} polls)",
            )
        )
        rows.append(
            (
                "cached page meanwhile: p95 / max",
                f"{cached.p95:.0f} ms / {max(cached.seconds) * 1000:.0f} ms "
                f"({len(cached.seconds)} polls, {len(cached.errors)} not 200)",
            )
        )

        # 2. 14 identical cold views while Argil hangs
        fake.reset()  # ends the hung answers still open
        time.sleep(1)  # the dashboards' hung calls see the hang-up
        flush(redis_port)
        fake.reset()
        fake.default(200, PAGE, headers=TOTALS, delay=HANG)
        with ThreadPoolExecutor(14) as pool:
            same = list(
                pool.map(lambda _: timed_get(clone(editor), base + "/?type=AUDIO"), range(14))
            )
        rows.append(
            (
                "14 identical cold views, Argil hung: calls to Argil",
                f"{len(fake.requests)} (max {max(s for s, _ in same):.1f} s)",
            )
        )

        # 3. dripped body, dripped headers
        for label, shape in (
            ("body", {"drip": args.drip_interval}),
            ("headers", {"header_drip": args.drip_interval}),
        ):
            fake.reset()
            time.sleep(1)
            flush(redis_port)
            body = [asset(n) for n in range(1, 3)] if label == "body" else PAGE
            fake.default(200, body, headers=TOTALS, **shape)
            seconds, status = timed_get(clone(editor), f"{base}/?status=FAILED&d={label}")
            rows.append(
                (
                    f"cold view, Argil drips its {label} "
                    f"({args.drip_interval} s a byte): wall time",
                    f"{seconds:.1f} s (HTTP {status})",
                )
            )
        fake.reset()

    print(f"\nDashboard code: {root}\n")
    print("| measure | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
