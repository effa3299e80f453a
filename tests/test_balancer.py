"""The load test's balancer (nginx, configured by bench/balancer.py): it decides which failures
reach an editor, so the load test's verdict is only as honest as its rules. Real nginx, real
sockets on loopback; each case sends two requests, as nginx's round robin may start with either
backend."""

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import requests

from bench import balancer
from tests.loopback import LoopbackServer

TOGGLE = "/picks/6f1c2a9e-4b7d-4e3a-9c55-2d8e0f4a7b11/toggle/"
START_SECONDS = 10


class _Backend(BaseHTTPRequestHandler):
    """A healthy gunicorn stand-in: answers every request, and records it."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.server.context.append((self.command, self.path))  # type: ignore[attr-defined]
        body = b"Harbour at dawn"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer  # noqa: N815 (BaseHTTPRequestHandler names them)


@contextmanager
def healthy_backend() -> Iterator[tuple[int, list[tuple[str, str]]]]:
    seen: list[tuple[str, str]] = []
    with LoopbackServer(_Backend, context=seen, name="healthy-backend") as server:
        yield server.port, seen


@contextmanager
def dropping_backend() -> Iterator[int]:
    """Accepts, reads the request, then resets the connection without a byte of answer: what a
    stopping gunicorn did to connections left in its backlog."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drop_each() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00" * 2)

    thread = threading.Thread(target=drop_each)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once closed


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def nginx(work: Path, *backends: int) -> Iterator[str]:
    port = free_port()
    balancer.write_config(work, port=port, backends=list(backends))
    log = (work / "error.log").open("wb")
    proc = subprocess.Popen(balancer.command(work), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _accepts(port):
            assert proc.poll() is None, (work / "error.log").read_text()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.02)  # a process starting up, not a browser: poll its socket
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def send(method: str, url: str) -> requests.Response:
    with requests.Session() as session:
        session.trust_env = False
        return session.request(method, url, data={"action": "add"}, timeout=10)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_balancer_fails_over_when_a_backend_refuses(tmp_path, method):
    with healthy_backend() as (up, seen), nginx(tmp_path, free_port(), up) as url:
        responses = [send(method, url + TOGGLE) for _ in range(2)]

    assert [r.status_code for r in responses] == [200, 200]
    assert {r.text for r in responses} == {"Harbour at dawn"}
    assert seen == [(method, TOGGLE)] * 2
    stats = balancer.stats(tmp_path)
    assert stats["failovers"] == 1
    assert stats["backends"] == {f"127.0.0.1:{up}": 2}


def test_balancer_never_repeats_a_post_a_backend_dropped(tmp_path):
    with (
        healthy_backend() as (up, seen),
        dropping_backend() as dropping,
        nginx(tmp_path, dropping, up) as url,
    ):
        responses = [send("POST", url + TOGGLE) for _ in range(2)]

    dropped = [r for r in responses if r.status_code == 502]
    assert sorted(r.status_code for r in responses) == [200, 502]
    assert dropped[0].headers["X-Balancer-Error"] == "backend-dropped"
    assert seen == [("POST", TOGGLE)]  # only its own: the dropped one may have been acted on
    stats = balancer.stats(tmp_path)
    assert (stats["dropped"], stats["retries"]) == (1, 0)


def test_balancer_retries_a_get_a_backend_dropped(tmp_path):
    with (
        healthy_backend() as (up, seen),
        dropping_backend() as dropping,
        nginx(tmp_path, dropping, up) as url,
    ):
        responses = [send("GET", url + "/?type=VIDEO") for _ in range(2)]

    assert [r.status_code for r in responses] == [200, 200]
    assert seen == [("GET", "/?type=VIDEO")] * 2
    stats = balancer.stats(tmp_path)
    assert (stats["retries"], stats["dropped"]) == (1, 0)


def test_a_dashboard_error_is_not_taken_for_the_balancer_s(tmp_path):
    def app(environ, start_response):
        start_response("502 Bad Gateway", [("Content-Type", "text/plain")])
        return [b"Argil is unreachable right now"]

    with LoopbackServer.wsgi(app) as dashboard, nginx(tmp_path, dashboard.port) as url:
        response = send("GET", url + "/")

    assert response.status_code == 502
    assert "X-Balancer-Error" not in response.headers
    assert response.text == "Argil is unreachable right now"
