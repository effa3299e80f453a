"""A tiny round-robin load balancer for the load test (bench/loadtest.py): loopback only.

    python bench/balancer.py --port 8080 --backend 127.0.0.1:8001 --backend 127.0.0.1:8002

It behaves like a real balancer with passive health checks (nginx's `proxy_next_upstream error`
default, an AWS ALB target that refuses connections), and no more:
- requests go to the backends in turn, each on a new connection (`Connection: close`), so a
  backend's kept-alive socket can never be reused just as it closes;
- a backend that refuses the connection is skipped for DOWN_SECONDS and the request goes to the
  next one: a *failover*. Nothing was sent, so this is safe for every method, POST included;
- a backend that accepts the connection but closes it before any byte of an answer: a GET or HEAD
  is sent again to the next backend (a *retry*), anything else is answered 502 by the balancer
  itself (the backend may have acted on it: a POST is never repeated), like nginx's
  `non_idempotent` off;
- no answer within BACKEND_TIMEOUT: 504 from the balancer.
The balancer's own 502/504 carry `X-Balancer-Error`, so the load test tells them from the
dashboard's (which carry a message for the editor). It overwrites `X-Forwarded-For` and
`X-Forwarded-Proto`, as a first proxy must (the dashboard runs with DJANGO_PROXY_COUNT=1).

`GET /__balancer__/stats` answers its counters as JSON and is never forwarded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import sys
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# A backend that refused a connection is skipped this long (then tried again: passive checks).
DOWN_SECONDS = 1.0
# Connecting on loopback takes microseconds; a backend whose listen queue is full is not ready.
CONNECT_TIMEOUT = 2.0
# Above the dashboard's own worst case (~28 s, assets_browser/api.py) and gunicorn's graceful
# timeout (35 s): the balancer never gives up on an answer the dashboard would still send.
BACKEND_TIMEOUT = 60.0
# Idle keep-alive connections from clients are closed after this long.
CLIENT_IDLE_TIMEOUT = 75.0
STATS_PATH = "/__balancer__/stats"
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


class Backend:
    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self.host, self.port = host or "127.0.0.1", int(port)
        self.down_until = 0.0
        self.answered = 0

    @property
    def name(self) -> str:
        return f"{self.host}:{self.port}"


class Balancer:
    """The state shared by every request thread: backends, the turn, the counters."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = [Backend(b) for b in backends]
        self._lock = threading.Lock()
        self._turn = 0
        self.counts = {
            "requests": 0,
            "failovers": 0,  # connection refused: sent to the next backend
            "retries": 0,  # a GET/HEAD dropped before any answer: sent again
            "dropped": 0,  # answered 502 by the balancer: no backend answered
            "timeouts": 0,  # answered 504 by the balancer
        }

    def count(self, name: str, what: str = "") -> None:
        with self._lock:
            self.counts[name] += 1
        if what:  # the unusual ones, with the time, in the balancer's log
            stamp = datetime.now().strftime("%H:%M:%S.%f")[:-3]
            print(f"{stamp} {name}: {what}", flush=True)

    def order(self) -> list[Backend]:
        """Every backend, starting with the next in turn; those marked down go last."""
        with self._lock:
            start = self._turn
            self._turn = (self._turn + 1) % len(self.backends)
        turn = self.backends[start:] + self.backends[:start]
        now = time.monotonic()
        return [b for b in turn if b.down_until <= now] + [b for b in turn if b.down_until > now]

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                **self.counts,
                "backends": {b.name: b.answered for b in self.backends},
            }


class _BackendDropped(Exception):  # noqa: N818 (what happened, not an error class)
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive to clients, as a browser expects
    timeout = CLIENT_IDLE_TIMEOUT
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """No access log: the dashboard writes its own, one JSON line per request."""

    def do_GET(self) -> None:
        if self.path == STATS_PATH:
            self._answer(200, json.dumps(self.server.balancer.snapshot()).encode(), {})
            return
        self._forward()

    def _forward(self) -> None:
        balancer = self.server.balancer
        balancer.count("requests")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["X-Forwarded-For"] = self.client_address[0]
        headers["X-Forwarded-Proto"] = "http"
        headers["Connection"] = "close"
        retried, last = False, ""
        for backend in balancer.order():
            try:
                status, reason, answer_headers, answer = self._send(backend, body, headers)
            except ConnectionRefusedError:
                backend.down_until = time.monotonic() + DOWN_SECONDS
                balancer.count("failovers", f"{self.command} {self.path} refused by {backend.name}")
                continue
            except TimeoutError:
                balancer.count("timeouts", f"{self.command} {self.path} on {backend.name}")
                self._answer(504, b"the backend did not answer in time\n", {}, "backend-timeout")
                return
            except _BackendDropped:
                last = backend.name
                if self.command in IDEMPOTENT and not retried:
                    retried = True
                    balancer.count(
                        "retries", f"{self.command} {self.path} dropped by {backend.name}"
                    )
                    continue
                break
            with balancer._lock:
                backend.answered += 1
            self._answer(status, answer, answer_headers, reason=reason)
            return
        balancer.count(
            "dropped", f"{self.command} {self.path} dropped by {last or 'every backend'}"
        )
        self._answer(502, b"no backend answered\n", {}, "backend-dropped")

    def _send(
        self, backend: Backend, body: bytes, headers: dict[str, str]
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(backend.host, backend.port, timeout=CONNECT_TIMEOUT)
        try:
            try:
                conn.connect()
            except (TimeoutError, ConnectionRefusedError) as exc:
                raise ConnectionRefusedError(str(exc)) from exc
            conn.sock.settimeout(BACKEND_TIMEOUT)
            try:
                conn.request(self.command, self.path, body=body or None, headers=headers)
                response = conn.getresponse()
            except (ConnectionError, http.client.RemoteDisconnected) as exc:
                raise _BackendDropped(str(exc)) from exc
            answer = response.read()  # a reset here (mid-answer) is a drop too
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
            return response.status, response.reason, kept, answer
        except (ConnectionResetError, http.client.IncompleteRead) as exc:
            raise _BackendDropped(str(exc)) from exc
        finally:
            conn.close()

    def _answer(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str] | list[tuple[str, str]],
        error: str = "",
        reason: str | None = None,
    ) -> None:
        self.send_response_only(status, reason)
        items = headers.items() if isinstance(headers, dict) else headers
        for name, value in items:
            if name.lower() != "content-length":
                self.send_header(name, value)
        if error:
            self.send_header("X-Balancer-Error", error)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


# Every other method is forwarded as it is.
Handler.do_HEAD = Handler.do_POST = Handler.do_PUT = Handler._forward  # type: ignore[attr-defined]
Handler.do_PATCH = Handler.do_DELETE = Handler.do_OPTIONS = Handler._forward  # type: ignore[attr-defined]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # 32 editors connecting at once must not overflow the backlog
    balancer: Balancer


def serve(port: int, backends: list[str]) -> _Server:
    server = _Server(("127.0.0.1", port), Handler)
    server.balancer = Balancer(backends)
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--backend", action="append", required=True, help="host:port, repeat")
    args = parser.parse_args()
    server = serve(args.port, args.backend)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"balancer on 127.0.0.1:{args.port} -> {', '.join(args.backend)}", flush=True)
    server.serve_forever(poll_interval=0.1)
    server.server_close()
    print(json.dumps(server.balancer.snapshot()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
