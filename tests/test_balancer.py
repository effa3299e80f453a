"""bench/balancer.py, the load test's balancer: it decides which failures reach an editor, so
the load test's verdict is only as honest as its rules. Real sockets on loopback."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from bench.balancer import serve

TOGGLE = "/picks/6f1c2a9e-4b7d-4e3a-9c55-2d8e0f4a7b11/toggle/"


class _Backend(BaseHTTPRequestHandler):
    """A healthy gunicorn stand-in: answers every request, and counts them."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.server.seen.append((self.command, self.path))
        body = b"Harbour at dawn"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer  # noqa: N815 (BaseHTTPRequestHandler names them)


@contextmanager
def healthy_backend() -> Iterator[tuple[str, list]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_port}", server.seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def dropping_backend() -> Iterator[str]:
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
        yield f"127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        listener.close()


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"  # nothing listens there once closed


@contextmanager
def balancer(*backends: str) -> Iterator[tuple[str, object]]:
    server = serve(0, list(backends))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", server.balancer
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def send(method: str, url: str) -> requests.Response:
    with requests.Session() as session:
        session.trust_env = False
        return session.request(method, url, data={"action": "add"}, timeout=10)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_balancer_fails_over_when_a_backend_refuses(method):
    with healthy_backend() as (up, seen), balancer(closed_port(), up) as (url, state):
        response = send(method, url + TOGGLE)

    assert response.status_code == 200
    assert response.text == "Harbour at dawn"
    assert seen == [(method, TOGGLE)]
    assert state.counts["failovers"] == 1


def test_balancer_never_repeats_a_post_a_backend_dropped():
    with (
        healthy_backend() as (up, seen),
        dropping_backend() as dropping,
        balancer(dropping, up) as (url, state),
    ):
        response = send("POST", url + TOGGLE)

    assert response.status_code == 502
    assert response.headers["X-Balancer-Error"] == "backend-dropped"
    assert seen == []  # the other backend never saw it: the first may have acted on it
    assert state.counts["dropped"] == 1


def test_balancer_retries_a_get_a_backend_dropped():
    with (
        healthy_backend() as (up, seen),
        dropping_backend() as dropping,
        balancer(dropping, up) as (url, state),
    ):
        response = send("GET", url + "/?type=VIDEO")

    assert response.status_code == 200
    assert seen == [("GET", "/?type=VIDEO")]
    assert state.counts["retries"] == 1
