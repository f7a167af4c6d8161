"""The request head under `make serve`: 431 over MAX_HEADER_SIZE, 400 for HTTP/1.1 without Host."""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator

import pytest

from ...testing.live_server import LiveServer
from ...testing.service import start_service

# Each test starts servers in processes of their own: make test-servers and test-all run them.
pytestmark = pytest.mark.processes

LIMIT = 4096


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The service with a small bound on the request head, shared by this module's tests."""
    server = start_service(tmp_path_factory.mktemp("bounded"), MAX_HEADER_SIZE=LIMIT)
    yield server
    server.stop(signal.SIGTERM)


def exchange(server: LiveServer, *chunks: bytes, pause: float = 0) -> bytes:
    """Send `chunks` over one connection, `pause` seconds apart; give all that comes back.

    Sending stops where the server has closed the connection; what it sent is read until it
    closes it, or until it has said nothing for a second.
    """
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        for chunk in chunks:
            try:
                connection.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(pause)
        connection.settimeout(1)
        received = b""
        try:
            while data := connection.recv(65536):
                received += data
        except TimeoutError:
            pass
    return received


def head(size: int, connection: str = "close") -> bytes:
    """A GET /livez whose head, line and headers, is `size` bytes long."""
    start = f"GET /livez HTTP/1.1\r\nHost: test\r\nConnection: {connection}\r\nX-Padding: ".encode()
    return start + b"a" * (size - len(start) - 4) + b"\r\n\r\n"


def test_a_head_within_the_bound_is_answered(server: LiveServer) -> None:
    """A head of exactly MAX_HEADER_SIZE bytes is a request like any other."""
    assert exchange(server, head(LIMIT)).startswith(b"HTTP/1.1 200 OK\r\n")


def test_a_head_over_the_bound_gets_431_and_the_connection_closes(server: LiveServer) -> None:
    """One byte more gets a 431 problem document, and nothing else is read from the connection."""
    answer = exchange(server, head(LIMIT + 1))
    status, _, body = answer.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert b"content-type: application/problem+json" in status
    assert json.loads(body)["status"] == 431


def test_a_head_sent_a_little_at_a_time_is_counted_as_it_arrives(server: LiveServer) -> None:
    """A head that never ends is refused once it passes the bound, before it is complete."""
    line = b"GET /livez HTTP/1.1\r\nHost: test\r\n"
    answer = exchange(server, line, *[b"X-Padding: " + b"a" * 500 + b"\r\n"] * 10, pause=0.01)
    assert answer.startswith(b"HTTP/1.1 431 ")


def test_a_large_body_is_not_a_large_head(server: LiveServer) -> None:
    """The bound is on the head alone: a body far larger, sent with it, reaches the app."""
    body = b"{}" + b" " * (4 * LIMIT)
    request = (
        b"POST /livez HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
    )
    assert exchange(server, request).startswith(b"HTTP/1.1 405 ")


def test_each_request_on_a_connection_has_a_bound_of_its_own(server: LiveServer) -> None:
    """Keep-alive requests whose heads add up to more than the bound are all answered."""
    answer = exchange(server, *[head(LIMIT - 100, "keep-alive")] * 2, head(LIMIT - 100))
    assert answer.count(b"HTTP/1.1 200 OK\r\n") == 3


def test_http_1_1_without_host_is_a_400_problem(server: LiveServer) -> None:
    """RFC 9112 section 3.2: a server must answer 400 to an HTTP/1.1 request without Host."""
    answer = exchange(server, b"GET /livez HTTP/1.1\r\nConnection: close\r\n\r\n")
    head_part, _, body = answer.partition(b"\r\n\r\n")
    assert head_part.startswith(b"HTTP/1.1 400 ")
    assert b"content-type: application/problem+json" in head_part.lower()
    assert json.loads(body)["detail"].startswith("An HTTP/1.1 request must name its host")


def test_http_1_0_may_leave_host_out(server: LiveServer) -> None:
    """HTTP/1.0 had no Host header to require."""
    assert exchange(server, b"GET /livez HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.1 200 OK\r\n")
