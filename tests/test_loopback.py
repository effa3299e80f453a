"""The shared loopback server: a real answer, then a stop that leaves nothing running."""

import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from tests.loopback import LoopbackServer


class _Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: an idle connection stays open after the answer

    def do_GET(self) -> None:
        body = self.server.context.encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _threads_named(name: str) -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == name]


def test_serves_on_loopback_and_stops_with_a_keep_alive_connection_open():
    with requests.Session() as session, LoopbackServer(_Hello, context="hello", name="t-lb") as s:
        assert s.origin.startswith("http://127.0.0.1:")
        assert s.port != 0
        response = session.get(s.origin + "/", timeout=5)
        assert response.text == "hello"
        origin = s.origin
        # The session keeps its connection open: stop() must not wait for it to idle out.
        s.stop()
        assert not s.running
        assert not _threads_named("t-lb")
        with pytest.raises(requests.ConnectionError):
            requests.get(origin + "/", timeout=5)


def test_serves_a_wsgi_app_and_can_start_again():
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["PATH_INFO"].encode()]

    server = LoopbackServer.wsgi(app)
    for _ in range(2):
        with server:
            assert requests.get(server.origin + "/again", timeout=5).text == "/again"
        assert not server.running


def test_a_client_that_hangs_up_is_not_reported_as_a_server_error(capfd):
    with LoopbackServer(_Hello, context="hello") as s:
        client = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert client.recv(1024).startswith(b"HTTP/1.1 200")
        # Reset the kept-alive connection while the server waits for the next request line.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        s.stop()  # joins the handler thread: whatever it printed has been printed
    assert "Exception occurred" not in capfd.readouterr().err
