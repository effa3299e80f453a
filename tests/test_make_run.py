"""`make run` as an editor runs it: the address it takes, and a stop (Ctrl-C or SIGTERM) that
takes the dashboard and the sandbox down together, leaving nothing listening. Each test runs the
real commands in subprocesses on loopback; waits are for conditions (a port answers, a process
ends), each with a generous bound that only a hang reaches."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

BASE_DIR = Path(__file__).resolve().parent.parent
# Bounds for a hang only: start-up (migrate, runserver's reloader) takes a few seconds.
STARTUP_SECONDS = 60
STOP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Nothing listens there: a new server could bind it (runserver sets SO_REUSEADDR too)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for(condition, seconds: float) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` pass (a bound for a hang, not a measure)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def answers(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def local_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "ARGIL_")) and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "argil_dashboard.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def test_make_run_passes_the_address_on():
    result = subprocess.run(
        ["make", "-n", "run", "ADDR=0.0.0.0:8080"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=STOP_SECONDS,
        check=True,
    )
    assert "manage.py run 0.0.0.0:8080" in result.stdout
    default = subprocess.run(
        ["make", "-n", "run"], cwd=BASE_DIR, capture_output=True, text=True, check=True
    )
    assert "manage.py run 127.0.0.1:8000" in default.stdout


def test_sandbox_command_needs_no_django_debug_or_secret(tmp_path):
    env = local_env(tmp_path)  # neither DJANGO_DEBUG nor DJANGO_SECRET_KEY
    command = [sys.executable, "manage.py", "sandbox", "--port", "0", "--library-size", "5"]
    with subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        banner = process.stdout.readline()  # the first line, once it listens
        assert banner.startswith("Argil sandbox: http://127.0.0.1:"), process.stderr.read()
        base_url = banner.removeprefix("Argil sandbox: ").strip()
        answer = requests.get(base_url + "/assets", headers={"x-api-key": "sandbox-key"}, timeout=5)
        assert answer.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=STOP_SECONDS) == 0


def ctrl_c(process: subprocess.Popen) -> None:
    """What a terminal does on Ctrl-C: SIGINT to the whole foreground process group."""
    os.killpg(process.pid, signal.SIGINT)


def sigterm(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)


@pytest.mark.parametrize(
    ("how", "stop"),
    [("make", sigterm), ("make", ctrl_c), ("manage.py", sigterm), ("manage.py", ctrl_c)],
    ids=["make-sigterm", "make-ctrl-c", "run-sigterm", "run-ctrl-c"],
)
def test_a_stop_takes_the_dashboard_and_the_sandbox_down_together(tmp_path, how, stop):
    web, sandbox = free_port(), free_port()
    env = local_env(tmp_path, DJANGO_LOG_FORMAT="plain", ARGIL_SANDBOX_PORT=str(sandbox))
    if how == "make":
        # -o: take the installed requirements as they are (never pip install from a test).
        command = ["make", "-o", ".venv/.runtime-installed", "run", f"ADDR=127.0.0.1:{web}"]
    else:
        env["DJANGO_DEBUG"] = "1"
        migrate = [sys.executable, "manage.py", "migrate", "--noinput"]
        subprocess.run(migrate, cwd=BASE_DIR, env=env, capture_output=True, timeout=120, check=True)
        command = [sys.executable, "manage.py", "run", f"127.0.0.1:{web}"]
    log = tmp_path / "console.log"
    with log.open("w") as console:  # a file, not a pipe: a full pipe would block the server
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=console,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )
    try:
        assert wait_for(lambda: answers(web) or process.poll() is not None, STARTUP_SECONDS)
        assert process.poll() is None, log.read_text()  # serving, not ended
        health = requests.get(f"http://127.0.0.1:{web}/healthz", timeout=STARTUP_SECONDS)
        assert health.json()["sandbox"] is True
        assert f"http://127.0.0.1:{sandbox}/v1" in log.read_text()
        assert not port_is_free(sandbox)

        stop(process)
        process.wait(timeout=STOP_SECONDS)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # Every child's process group was stopped: nothing is left on either port (runserver's
    # reloader child may take a moment longer than its parent to close its socket).
    assert wait_for(lambda: port_is_free(web), STOP_SECONDS), log.read_text()
    assert wait_for(lambda: port_is_free(sandbox), STOP_SECONDS), log.read_text()
