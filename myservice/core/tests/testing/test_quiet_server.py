"""The stand-ins' HTTP server: started on a thread, stopped; a client that hangs up is no error."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from ...testing.quiet_server import QuietHTTPServer


class Handler(BaseHTTPRequestHandler):
    """/hung-up: the client has gone when the answer is written; /broken: the handler fails."""

    def do_GET(self) -> None:
        """Fail as the path says."""
        if self.path == "/broken":
            raise RuntimeError("a stand-in's own mistake")
        raise BrokenPipeError(32, "Broken pipe")  # what writing to a client that hung up raises

    def log_message(self, *_: object) -> None:
        """No line per request."""


@pytest.fixture
def port() -> Iterator[int]:
    """The port of a QuietHTTPServer serving Handler, stopped after the test."""
    server = QuietHTTPServer.started(Handler)
    yield server.server_address[1]
    server.stop()


def ask(port: int, path: str) -> None:
    """Send GET `path` and wait until the server has closed the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
        while connection.recv(1024):
            pass


def test_a_client_that_hung_up_prints_nothing(port: int, capfd: pytest.CaptureFixture[str]) -> None:
    """The failed write to a client that went away is expected, and not printed."""
    ask(port, "/hung-up")
    assert capfd.readouterr().err == ""


def test_any_other_error_is_still_printed(port: int, capfd: pytest.CaptureFixture[str]) -> None:
    """A stand-in's own mistake shows, with its traceback, as the standard server shows it."""
    ask(port, "/broken")
    assert "RuntimeError: a stand-in's own mistake" in capfd.readouterr().err


def test_a_started_server_serves_at_its_url_until_stopped() -> None:
    """Started on a free port, it answers at its URL; stopped, the port refuses connections."""
    server = QuietHTTPServer.started(Handler)
    port = server.server_address[1]
    assert server.url == f"http://127.0.0.1:{port}"
    ask(port, "/hung-up")
    server.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)
