"""A graceful stop of gunicorn (gunicorn.conf.py) refuses new connections at once.

Behind a balancer, a connection that gunicorn's kernel accepted but no worker ever read is reset
when the stopping worker exits; the balancer has sent the request by then and answers a POST 502
(`make loadtest` found it while one of two gunicorns restarted). Refused connections instead go
to another process. The app here is a tiny WSGI app with one slow URL: what is tested is
gunicorn.conf.py, not Django.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

BASE_DIR = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
SLOW_SECONDS = 3.0  # the request in flight when the stop begins

SLOW_APP = """
import os, time

def app(environ, start_response):
    if environ["PATH_INFO"] == "/render-slow-export":
        open(os.environ["SLOW_MARKER"], "w").close()
        time.sleep(float(os.environ["SLOW_SECONDS"]))
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
"""


# A real gunicorn, stopped while a request takes seconds.
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> requests.Response:
    with requests.Session() as session:
        session.trust_env = False
        return session.get(url, timeout=SLOW_SECONDS + 10)


def until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def refuses(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except ConnectionRefusedError:
        return True
    return False


def answers(url: str) -> bool:
    try:
        return get(url).status_code == 200
    except requests.ConnectionError:
        return False


def test_graceful_stop_refuses_new_connections_while_requests_finish(tmp_path):
    (tmp_path / "slow_app.py").write_text(SLOW_APP)
    marker = tmp_path / "slow-request-started"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")},
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "SLOW_MARKER": str(marker),
        "SLOW_SECONDS": str(SLOW_SECONDS),
    }
    command = [GUNICORN, "-c", "gunicorn.conf.py", "--pythonpath", str(tmp_path), "slow_app:app"]
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=log)
    try:
        assert until(lambda: answers(url + "/"), 30), (tmp_path / "gunicorn.log").read_text()
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(get, url + "/render-slow-export")
            assert until(marker.exists, 10)

            server.send_signal(signal.SIGTERM)
            # Whichever comes first: no clock bound, only the order of the two events matters.
            assert until(lambda: refuses(port) or slow.done(), SLOW_SECONDS + 10)

            # Refused while a request was still in flight (its log says why if not)...
            assert not slow.done(), (tmp_path / "gunicorn.log").read_text()
            assert slow.result().status_code == 200  # ...which still got its answer
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        log.close()
