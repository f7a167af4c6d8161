"""The request head under `make serve`: its bounds in size and time, and the server's own 400s."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ...testing.live_server import LiveServer
from ...testing.service import json_lines, start_service

# Each test starts servers in processes of their own: make test-servers and test-all run them.
pytestmark = pytest.mark.processes

LIMIT = 4096
HEADER_TIMEOUT = 2


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The service with small bounds on the request head, shared by this module's tests."""
    server = start_service(
        tmp_path_factory.mktemp("bounded"),
        MAX_HEADER_SIZE=LIMIT,
        HEADER_TIMEOUT=HEADER_TIMEOUT,
        KEEP_ALIVE_TIMEOUT=30,
    )
    yield server
    server.stop(signal.SIGTERM)


def exchange(server: LiveServer, *chunks: bytes, pause: float = 0, wait: float = 1) -> bytes:
    """Send `chunks` over one connection, `pause` seconds apart; give all that comes back.

    Sending stops where the server has closed the connection; what it sent is read until it
    closes it, or until it has said nothing for `wait` seconds.
    """
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        for chunk in chunks:
            try:
                connection.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            time.sleep(pause)
        connection.settimeout(wait)
        received = b""
        try:
            while data := connection.recv(65536):
                received += data
        except TimeoutError:
            pass
    return received


def closed_within(connection: socket.socket, seconds: float) -> tuple[bytes, float]:
    """All the server sends until it closes `connection`, and how long that took."""
    started = time.monotonic()
    connection.settimeout(seconds)
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while data := connection.recv(65536):
            received += data
    return received, time.monotonic() - started


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


def test_a_connection_that_sends_nothing_is_closed_at_the_header_timeout(
    server: LiveServer,
) -> None:
    """Nothing sent: closed without a word once HEADER_TIMEOUT has passed, counted and logged."""
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        received, seconds = closed_within(connection, 5 * HEADER_TIMEOUT)
    assert received == b""
    assert HEADER_TIMEOUT - 0.5 < seconds < 4 * HEADER_TIMEOUT
    assert refusals(server, "HEADER_TIMEOUT, nothing sent")


def test_a_head_trickled_a_line_at_a_time_gets_408_at_the_deadline(server: LiveServer) -> None:
    """A header line every half second resets nothing: the head is due whole, in time."""
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        started = time.monotonic()
        connection.sendall(b"GET /livez HTTP/1.1\r\nHost: test\r\n")
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for line in range(4 * HEADER_TIMEOUT):
                time.sleep(0.5)
                connection.sendall(f"X-Line-{line}: a\r\n".encode())
        received, _ = closed_within(connection, 5 * HEADER_TIMEOUT)
        seconds = time.monotonic() - started
    head_part, _, body = received.partition(b"\r\n\r\n")
    assert head_part.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert b"content-type: application/problem+json" in head_part
    assert json.loads(body)["detail"] == (
        f"The request head did not arrive whole within {HEADER_TIMEOUT} s."
    )
    assert seconds < 4 * HEADER_TIMEOUT
    assert refusals(server, f"The request head did not arrive whole within {HEADER_TIMEOUT} s.")


def test_a_keep_alive_pause_is_not_the_heads_time(server: LiveServer) -> None:
    """Idle between requests longer than HEADER_TIMEOUT (within KEEP_ALIVE_TIMEOUT): still served."""
    first = head(200, "keep-alive")
    answer = exchange(server, first, head(200), pause=HEADER_TIMEOUT + 1, wait=3)
    assert answer.count(b"HTTP/1.1 200 OK\r\n") == 2


def test_the_rest_of_an_answered_body_is_held_to_the_header_timeout(server: LiveServer) -> None:
    """Answered before its body ended (405 here), the body that trickles on is not waited for."""
    request = b"POST /livez HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\n{"
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        connection.sendall(request)
        assert whole_answer(connection).startswith(b"HTTP/1.1 405 ")
        started = time.monotonic()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for _ in range(8 * HEADER_TIMEOUT):
                time.sleep(0.25)
                connection.sendall(b" ")
        received, _ = closed_within(connection, 5 * HEADER_TIMEOUT)
    assert received == b""
    assert time.monotonic() - started < 4 * HEADER_TIMEOUT
    assert refusals(server, "HEADER_TIMEOUT, the body of an answered request")


def test_a_request_the_server_cannot_parse_is_a_400_problem(server: LiveServer) -> None:
    """What httptools refuses gets a problem document too, not uvicorn's text/plain."""
    answer = exchange(server, b"GET /livez HTTP/1.1\r\nHost: test\r\nBad Header\r\n\r\n")
    head_part, _, body = answer.partition(b"\r\n\r\n")
    assert head_part.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"content-type: application/problem+json" in head_part
    assert json.loads(body)["status"] == 400
    assert refusals(server, "The request is not HTTP/1.1 the server can read.")
    _, _, metrics = server.get("/metrics")
    assert b'http_connections_refused_total{status="400"} ' in metrics


def whole_answer(connection: socket.socket) -> bytes:
    """One answer read off `connection`: its head, then as many bytes as its Content-Length."""
    connection.settimeout(5)
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(65536)
    head_part, _, body = received.partition(b"\r\n\r\n")
    length = int(head_part.lower().partition(b"content-length: ")[2].split(b"\r\n")[0])
    while len(body) < length:
        body += connection.recv(65536)
    return head_part + b"\r\n\r\n" + body


def refusals(server: LiveServer, reason: str) -> list[dict[str, Any]]:
    """The lines the server wrote of refusals for `reason`, each with its status and client."""
    lines = [line for line in json_lines(server) if line.get("reason") == reason]
    assert all(line["client"] == "127.0.0.1" and line["route"] is None for line in lines)
    assert all(line["request_id"] is None and line["level"] == "warning" for line in lines)
    return lines
