"""What bench/run.py (`make bench`) and bench/loadtest.py (`make loadtest`) share: starting and
stopping the processes they run (gunicorn, redis-server, the sandbox), waiting until they answer,
manage.py commands, logging in as an editor, and percentiles.

Loopback only: every session here ignores proxy settings from the environment.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / "bench" / "out"  # logs of the last run's processes (git-ignored)
START_TIMEOUT = 30  # seconds for a gunicorn or redis to come up
STOP_TIMEOUT = 15  # seconds a stopped process gets before SIGKILL


# --- Numbers -----------------------------------------------------------------------------------


@dataclass
class Sample:
    """Latencies in seconds, and the requests that failed (anything but the expected status)."""

    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, seconds: float, error: str | None = None) -> None:
        self.seconds.append(seconds)
        if error:
            self.errors.append(error)

    def pct(self, p: float) -> float:
        """The p-th percentile in ms (nearest rank)."""
        ordered = sorted(self.seconds)
        rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[rank] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95(self) -> float:
        return self.pct(95)


# --- Processes ---------------------------------------------------------------------------------


def http() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only: no proxy from the environment
    return session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_process(
    name: str,
    cmd: list[str],
    *,
    env: dict[str, str],
    ready: Callable[[], bool],
    append: bool = False,
) -> subprocess.Popen:
    """A child process in its own session, logging to bench/out/<name>.log, once ``ready()``.

    ``append`` keeps the log of an earlier run of the same process (a restart)."""
    LOGS.mkdir(exist_ok=True)
    log_path = LOGS / f"{name}.log"
    with open(log_path, "ab" if append else "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not ready():
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} did not start; the end of {log_path}:\n{tail}")
            time.sleep(0.1)
    except BaseException:
        stop_process(proc)
        raise
    return proc


def stop_process(proc: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM (gunicorn's master stops its workers gracefully on it), then SIGKILL to the
    process group this run created if it is still there after ``timeout`` seconds."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextmanager
def process(name: str, cmd: list[str], *, env: dict[str, str], ready: Callable[[], bool]):
    """A child process logging to bench/out/<name>.log; stopped (TERM, then KILL) on exit."""
    proc = start_process(name, cmd, env=env, ready=ready)
    try:
        yield proc
    finally:
        stop_process(proc)


def answers(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return http().get(url, timeout=1).status_code == 200
        except requests.RequestException:
            return False

    return check


def redis_pings(port: int) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    return check


def manage(env: dict[str, str], *args: str) -> str:
    """Run a manage.py command; its stdout."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return done.stdout.decode()


# --- Editors -----------------------------------------------------------------------------------


def login(
    base: str,
    username: str,
    password: str,
    session: requests.Session | None = None,
    timeout: float = 10,
) -> requests.Session:
    """A session logged in through the login form (CSRF token and all), as a browser does."""
    session = session or http()
    form = session.get(base + "/login/", timeout=timeout)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    if token is None:
        raise RuntimeError(f"no CSRF token on {base}/login/ (HTTP {form.status_code})")
    answer = session.post(
        base + "/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
        allow_redirects=False,
        timeout=timeout,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login failed: HTTP {answer.status_code}")
    return session
