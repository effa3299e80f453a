"""A programmable fake of the Argil API: a real HTTP/1.1 server on 127.0.0.1, port 0.

A real server (not a mock below ``requests``) is what lets tests exercise urllib3's Retry,
Retry-After, timeouts, keep-alive and redirects for real.

Each test queues canned responses (``enqueue``) and reads back what the client sent
(``requests``). When the queue is empty the server answers with the default response
(``default``; out of the box: 200, an empty page, totals 0). ``answer(path, ...)`` answers one
path the same way every time, ahead of the queue: for calls made concurrently, whose order is
not known. ``gather(count)`` holds requests until ``count`` are in at once (proof of
concurrency without timing anything); if they never are, each is answered 503 after a while.
A canned ``delay`` simulates a hung upstream; ``drip`` sends the body one byte at a time and
``header_drip`` the status line and headers (a slowloris server); ``pad`` appends that many spaces
to the body (a huge answer, sent without building it in memory), and ``content_length=False``
leaves the length out (the body ends when the connection closes). ``reset()`` and ``stop()`` cut
every pending delay or drip short, so a hung response never blocks the next test or shutdown.

Fixtures (load with ``pytest_plugins = ["tests.fake_api"]``):
- ``fake_api_server``: session-scoped, starts and stops the server;
- ``fake_api``: function-scoped, resets canned responses and the record, yields the server.

``url`` is the base URL to give the client, with the ``/v1`` prefix of the real API, so the
recorded ``path`` of a list call is ``/v1/assets``.
"""

import json
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.loopback import LoopbackServer

API_PREFIX = "/v1"
# An idle keep-alive connection is dropped after this long, should a client never close it.
IDLE_CONNECTION_TIMEOUT = 10
# How long gather() holds a request for the others before giving up on them (not a measure:
# concurrent requests meet in milliseconds; a sequential client never gets there).
GATHER_TIMEOUT = 5


@dataclass(frozen=True, slots=True)
class CannedResponse:
    status: int = 200
    body: Any = None  # bytes are sent as they are; None is an empty body; anything else JSON
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (cut short by reset/stop)
    drip: float = 0.0  # seconds between the body's bytes
    header_drip: float = 0.0  # seconds between the bytes of the status line and headers
    pad: int = 0  # spaces sent after the body (valid JSON whitespace), in chunks
    content_length: bool = True  # False: no Content-Length; the body ends at close

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if self.body is None:
            return b"", headers
        if isinstance(self.body, bytes | bytearray):
            return bytes(self.body), headers
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/json"
        return json.dumps(self.body).encode(), headers


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]  # parse_qs, blank values kept
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


EMPTY_PAGE = CannedResponse(
    200,
    [],
    {"X-Total-Count": "0", "X-Page": "1", "X-Page-Size": "20", "X-Total-Pages": "0"},
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API: leaked sessions then show
    timeout = IDLE_CONNECTION_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def _handle(self) -> None:
        fake: FakeArgilAPI = self.server.context  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        canned, cancelled = fake._record_and_pick(
            RecordedRequest(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
            )
        )
        if canned.delay and cancelled.wait(canned.delay):
            self.close_connection = True  # cut short: the client gave up long ago
            return
        payload, headers = canned.encoded()
        has_body = canned.status not in (204, 304)
        try:
            self.send_response(canned.status)
            for name, value in headers.items():
                self.send_header(name, value)
            if has_body and canned.content_length:
                self.send_header("Content-Length", str(len(payload) + canned.pad))
            elif has_body:
                self.send_header("Connection", "close")
                self.close_connection = True
            if canned.header_drip:
                self._buffer_headers(canned.header_drip, cancelled)
            self.end_headers()
            if has_body and self.command != "HEAD":
                self._send_body(canned, payload, cancelled)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            self.close_connection = True

    def _buffer_headers(self, interval: float, cancelled: threading.Event) -> None:
        """Send what is buffered so far (status line, headers) a byte at a time."""
        buffered = b"".join(self._headers_buffer)
        self._headers_buffer: list[bytes] = []
        for index in range(len(buffered)):
            self.wfile.write(buffered[index : index + 1])
            self.wfile.flush()
            if cancelled.wait(interval):
                raise BrokenPipeError("cut short")

    def _send_body(
        self, canned: CannedResponse, payload: bytes, cancelled: threading.Event
    ) -> None:
        if canned.drip:
            for index in range(len(payload)):
                self.wfile.write(payload[index : index + 1])
                self.wfile.flush()
                if cancelled.wait(canned.drip):
                    raise BrokenPipeError("cut short")
        else:
            self.wfile.write(payload)
        chunk = b" " * 65536
        remaining = canned.pad
        while remaining > 0 and not cancelled.is_set():
            self.wfile.write(chunk[: min(remaining, len(chunk))])
            remaining -= len(chunk)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle  # noqa: N815


class FakeArgilAPI:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[CannedResponse] = deque()
        self._by_path: dict[str, CannedResponse] = {}
        self._gate: threading.Barrier | None = None
        self._default = EMPTY_PAGE
        self._requests: list[RecordedRequest] = []
        self._cancel = threading.Event()
        self._server = LoopbackServer(_Handler, context=self, name="fake-argil-api")

    # --- Lifecycle -----------------------------------------------------------------------

    def start(self) -> Self:
        self._server.start()
        return self

    def stop(self) -> None:
        if not self._server.running:
            return
        self._cancel.set()  # release handlers sleeping on a delay
        with self._lock:
            if self._gate is not None:
                self._gate.abort()  # and those waiting for others in gather()
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        return self._server.origin

    @property
    def url(self) -> str:
        """The base URL to give ArgilClient (the real one is https://api.argil.ai/v1)."""
        return self.origin + API_PREFIX

    # --- Programming it ------------------------------------------------------------------

    def enqueue(
        self,
        status: int = 200,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        **shape: Any,
    ) -> None:
        """Answer the next unanswered request with this (first in, first out). ``shape``:
        ``drip``, ``header_drip``, ``pad``, ``content_length`` (see CannedResponse)."""
        with self._lock:
            self._queue.append(CannedResponse(status, body, dict(headers or {}), delay, **shape))

    def default(
        self,
        status: int = 200,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        **shape: Any,
    ) -> None:
        """Answer every request with this once the queue is empty (until reset)."""
        with self._lock:
            self._default = CannedResponse(status, body, dict(headers or {}), delay, **shape)

    def answer(
        self,
        path: str,
        status: int = 200,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        **shape: Any,
    ) -> None:
        """Answer every request for ``path`` ("/v1/assets/<id>") with this, before the queue."""
        with self._lock:
            self._by_path[path] = CannedResponse(status, body, dict(headers or {}), **shape)

    def gather(self, count: int) -> None:
        """Hold each request until ``count`` of them are waiting at once, then answer them all;
        after GATHER_TIMEOUT without that many, answer each 503 (a sequential client fails)."""
        with self._lock:
            self._gate = threading.Barrier(count, timeout=GATHER_TIMEOUT)

    def reset(self) -> None:
        """Forget canned responses and recorded requests; cut pending delays short."""
        with self._lock:
            self._cancel.set()
            self._cancel = threading.Event()
            self._queue.clear()
            self._by_path.clear()
            if self._gate is not None:
                self._gate.abort()
            self._gate = None
            self._default = EMPTY_PAGE
            self._requests.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        """What the client sent, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    # --- Called from handler threads -----------------------------------------------------

    def _record_and_pick(self, request: RecordedRequest) -> tuple[CannedResponse, threading.Event]:
        with self._lock:
            self._requests.append(request)
            gate = self._gate
            if request.path in self._by_path:
                canned = self._by_path[request.path]
            else:
                canned = self._queue.popleft() if self._queue else self._default
            cancel = self._cancel
        if gate is not None:
            try:
                gate.wait()
            except threading.BrokenBarrierError:
                return CannedResponse(503, {"message": "the fake's gather timed out"}), cancel
        return canned, cancel


@pytest.fixture(scope="session")
def fake_api_server() -> Iterator[FakeArgilAPI]:
    with FakeArgilAPI() as server:
        yield server


@pytest.fixture
def fake_api(fake_api_server: FakeArgilAPI) -> Iterator[FakeArgilAPI]:
    fake_api_server.reset()
    yield fake_api_server
    fake_api_server.reset()
