"""Serve the sandbox app on loopback from a daemon thread: for tests, benchmarks and `make run`.

Usage: `with start_sandbox(api_key="k") as sandbox:` then call `sandbox.base_url + "/assets"`
with the header `x-api-key: k`; `sandbox.app` reaches the live config, library and stats.
"""

from __future__ import annotations

import socketserver
import sys
import threading
from types import TracebackType
from typing import Any, cast
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .app import DEFAULT_CONFIG, SandboxApp, SandboxConfig, make_app

# How often serve_forever checks for shutdown(): it bounds how long stop() takes.
_POLL_SECONDS = 0.05


class _QuietRequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log: the sandbox runs inside test and benchmark output."""


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """One thread per request, so a hanging request (timeout injection) blocks nobody else.
    Daemon threads: a request still hanging never keeps the interpreter alive."""

    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup that can stall on a
        # machine without network; the sandbox only needs the address it was given.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)
        self.setup_environ()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (its timeout) resets the connection: that is not an error here.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class RunningSandbox:
    """A sandbox serving on a daemon thread. Stop it with `stop()` or a `with` block."""

    def __init__(self, server: _ThreadingWSGIServer, app: SandboxApp, host: str) -> None:
        self.app = app
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _POLL_SECONDS},
            name=f"argil-sandbox-{server.server_port}",
            daemon=True,
        )
        # A wildcard bind still gets called on loopback.
        shown_host = "127.0.0.1" if host in ("", "0.0.0.0") else host
        self.origin = f"http://{shown_host}:{server.server_port}"
        self.base_url = f"{self.origin}/v1"
        self._stopped = False
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_port

    def stop(self) -> None:
        """Stop serving and close the socket; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        self.app.close()  # wakes requests sleeping on latency or a hang
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<RunningSandbox {self.base_url}>"


def start_sandbox(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    api_key: str,
    config: SandboxConfig = DEFAULT_CONFIG,
) -> RunningSandbox:
    """Build the app, bind `host:port` (0 picks a free port) and serve on a daemon thread."""
    app = make_app(api_key=api_key, config=config)
    server = make_server(
        host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietRequestHandler
    )
    return RunningSandbox(cast(_ThreadingWSGIServer, server), app, host)
