"""One way to run a test HTTP server: 127.0.0.1, port 0, a thread, and a clean stop.

A real server on loopback (not a mock below ``requests``) lets tests exercise keep-alive,
urllib3's Retry, timeouts and redirects for real. ``stop()`` leaves nothing behind: it stops
accepting, wakes handlers blocked on an idle keep-alive connection, joins every handler thread
and closes the listening socket, so ``-W error::ResourceWarning`` stays quiet.

    with LoopbackServer(MyHandler, context=state) as server:   # a BaseHTTPRequestHandler
        requests.get(server.origin + "/path", timeout=5)        # handlers see self.server.context

    with LoopbackServer.wsgi(app) as server:                    # or any WSGI application
        ...

Used by tests/fake_api.py; any other test server should start the same way.
"""

import contextlib
import socket
import sys
import threading
from collections.abc import Callable, Iterable
from http.server import ThreadingHTTPServer
from socketserver import BaseRequestHandler
from typing import Any, Self
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

HOST = "127.0.0.1"
# How often the serving thread checks for shutdown (the stdlib default, 0.5 s, slows every stop).
POLL_INTERVAL = 0.05

type WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _ThreadingServer(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins handler threads: nothing outlives stop()
    block_on_close = True

    def __init__(self, handler: type[BaseRequestHandler], context: Any) -> None:
        self.context = context
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__((HOST, 0), handler)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a test's aborted or timed-out request, a reset keep-alive
        # connection) is no error of the server's: only other failures are printed.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def wake_idle_connections(self) -> None:
        """Shut open connections down, so handlers waiting on keep-alive return at once."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                conn.shutdown(socket.SHUT_RDWR)


class _ThreadingWSGIServer(_ThreadingServer, WSGIServer):
    pass


class _QuietWSGIHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


class LoopbackServer:
    """An HTTP server on 127.0.0.1 and an ephemeral port, served on a thread until ``stop()``."""

    def __init__(
        self, handler: type[BaseRequestHandler], *, context: Any = None, name: str = "loopback"
    ) -> None:
        self._handler = handler
        self._context = context
        self._name = name
        self._server: _ThreadingServer | None = None
        self._thread: threading.Thread | None = None
        self._server_class: type[_ThreadingServer] = _ThreadingServer
        self._app: WSGIApp | None = None

    @classmethod
    def wsgi(cls, app: WSGIApp, *, name: str = "loopback-wsgi") -> Self:
        """Serve a WSGI application (wsgiref's handler: HTTP/1.0, one request a connection)."""
        server = cls(_QuietWSGIHandler, name=name)
        server._server_class = _ThreadingWSGIServer
        server._app = app
        return server

    def start(self) -> Self:
        assert self._server is None, "already running"
        server = self._server_class(self._handler, self._context)
        if isinstance(server, WSGIServer):
            server.set_app(self._app)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=self._name,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, end open connections, join every thread. Safe to call twice."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        server.wake_idle_connections()
        server.server_close()  # joins the handler threads, closes the listening socket
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        assert self._server is not None, f"{self._name} is not running"
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``, with no trailing slash."""
        return f"http://{HOST}:{self.port}"
