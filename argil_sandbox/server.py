"""Serve the sandbox app with cheroot: for tests, benchmarks and `python -m argil_sandbox`.

cheroot is a real HTTP/1.1 server with keep-alive (idle connections wait in a selector, not on a
thread), so the dashboard's connection reuse is exercised as it is against Argil.

Usage: `with start_sandbox(api_key="k") as sandbox:` then call `sandbox.base_url + "/assets"`
with the header `x-api-key: k`; `sandbox.app` reaches the live config, library and stats.
"""

from __future__ import annotations

import threading
from types import TracebackType

from cheroot import wsgi

from .app import DEFAULT_CONFIG, SandboxApp, SandboxConfig, make_app

# Requests served at once. Hang injection parks one thread per hung request, and the dashboard's
# tests and load test hold a few dozen at a time; idle keep-alive connections hold none.
SERVER_THREADS = 64
# Seconds an idle keep-alive connection is kept; longer than the client's pool keeps one idle.
KEEPALIVE_SECONDS = 30
# How long stop() waits for a request still running (the app's close() wakes sleeping ones).
STOP_TIMEOUT_SECONDS = 5


class RunningSandbox:
    """A sandbox serving on a daemon thread. Stop it with `stop()` or a `with` block."""

    def __init__(self, server: wsgi.Server, app: SandboxApp, host: str) -> None:
        self.app = app
        self._server = server
        server.prepare()  # binds now, so the port is known and taken before we return
        self._thread = threading.Thread(
            target=server.serve, name=f"argil-sandbox-{self.port}", daemon=True
        )
        # A wildcard bind still gets called on loopback.
        shown_host = "127.0.0.1" if host in ("", "0.0.0.0") else host
        self.origin = f"http://{shown_host}:{self.port}"
        self.base_url = f"{self.origin}/v1"
        self._stopped = False
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.bind_addr[1])

    def stop(self) -> None:
        """Stop serving and close the socket; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        self.app.close()  # wakes requests sleeping on latency or a hang
        self._server.stop()
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
    server = wsgi.Server(
        (host, port),
        app,
        numthreads=SERVER_THREADS,
        server_name="argil-sandbox",
        timeout=KEEPALIVE_SECONDS,
        shutdown_timeout=STOP_TIMEOUT_SECONDS,
        request_queue_size=128,
    )
    return RunningSandbox(server, app, host)
