"""Slow, compressed and patient clients under `make serve`: each costs its answer, no more.

A body is read only for a request that has a route and passed the gate, so that a half-sent
(gzip) body costs a refused caller its 401 and holds no request in flight.
"""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ...identity import SERVICE
from ...testing.live_server import LiveServer
from ...testing.service import start_service

pytestmark = pytest.mark.processes

GUARDED_APP = f"""
from quart import request

from {SERVICE}.core.tests.plumbing import create_app as create_plumbing
from {SERVICE}.core import public


def create_app():
    app = create_plumbing()

    @app.post("/guarded")
    async def guarded():
        return {{"received": await request.get_json()}}

    @app.post("/open")
    @public
    async def open_door():
        return {{"received": await request.get_json()}}

    return app
"""
IN_FLIGHT = 3
BODY_TIMEOUT = 30


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The plumbing with a guarded and an open POST route, and room for 3 requests in flight."""
    directory: Path = tmp_path_factory.mktemp("patient")
    (directory / "guarded_app.py").write_text(GUARDED_APP)
    server = start_service(
        directory,
        factory="guarded_app:create_app",
        MAX_IN_FLIGHT=IN_FLIGHT,
        BODY_TIMEOUT=BODY_TIMEOUT,
        AUTH_DEVELOPMENT_KEY=True,
    )
    yield server
    server.stop(signal.SIGTERM)


def post_head(path: str, length: int, gzip: bool = True) -> bytes:
    """The head of a JSON POST to `path` declaring a body of `length` bytes."""
    encoding = b"Content-Encoding: gzip\r\n" if gzip else b""
    return (
        f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n".encode()
        + encoding
        + f"Content-Length: {length}\r\n\r\n".encode()
    )


def first_answer(connection: socket.socket, seconds: float = 5) -> bytes:
    """The status line of what the server sends first, or b"" if it says nothing in `seconds`."""
    connection.settimeout(seconds)
    try:
        return connection.recv(65536).partition(b"\r\n")[0]
    except TimeoutError:
        return b""


def half_sent(server: LiveServer, path: str, gzip: bool = True) -> socket.socket:
    """A connection that sent a POST's head and two bytes of its 1000-byte body, and waits."""
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    connection.sendall(post_head(path, 1000, gzip) + b"\x1f\x8b")
    return connection


@pytest.mark.parametrize(
    ("path", "status"),
    [("/guarded", b"401"), ("/no/such/path", b"404")],
    ids=["no-token", "no-route"],
)
@pytest.mark.parametrize("gzip", [True, False], ids=["gzip", "plain"])
def test_a_half_sent_body_is_not_waited_for_before_the_refusal(
    server: LiveServer, path: str, status: bytes, gzip: bool
) -> None:
    """No token, or no route: the answer comes at once, while the body is still to come."""
    with half_sent(server, path, gzip) as connection:
        started = time.monotonic()
        line = first_answer(connection)
    assert line.split(b" ")[1:2] == [status], line
    assert time.monotonic() - started < BODY_TIMEOUT / 3


def test_refused_callers_with_half_sent_bodies_hold_no_request_in_flight(
    server: LiveServer,
) -> None:
    """Three times MAX_IN_FLIGHT refused, their bodies never finished: others are still served."""
    connections: list[socket.socket] = []
    try:
        for _ in range(3 * IN_FLIGHT):
            connections.append(half_sent(server, "/guarded"))
            assert first_answer(connections[-1]).startswith(b"HTTP/1.1 401 ")
        status, _, _ = server.get("/")
        assert status == 200
    finally:
        for connection in connections:
            connection.close()


@pytest.mark.parametrize("gzip", [True, False], ids=["gzip", "plain"])
def test_a_declared_length_over_the_limit_is_a_413_at_once(server: LiveServer, gzip: bool) -> None:
    """Content-Length past MAX_CONTENT_LENGTH: refused before a byte of the body is awaited."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(post_head("/open", 10**12, gzip) + b"\x1f\x8b")
        line = first_answer(connection)
    assert line.startswith(b"HTTP/1.1 413 "), line
