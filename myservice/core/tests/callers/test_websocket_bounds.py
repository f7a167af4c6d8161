"""WebSockets have caps of their own, in all and by caller, and close when idle or unpaid."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from quart import typing as quart_typing
from quart.testing.connections import WebsocketDisconnectError
from websockets.asyncio.client import connect
from websockets.protocol import State

from ...identity import SERVICE
from ...testing.live_server import LiveServer, resident_mib
from ...testing.service import events
from ..observability.test_logs import json_lines
from ..observability.test_open_websockets import feed_app, refusal, until_closed


async def test_open_websockets_do_not_hold_requests_in_flight(
    bearer: Callable[..., dict[str, str]],
) -> None:
    """At MAX_IN_FLIGHT 1, an open WebSocket leaves the request its room."""
    app, _ = feed_app(MAX_IN_FLIGHT=1)
    client = app.test_client()
    async with client.websocket("/feed", headers=bearer("feed:read")) as first:
        assert await first.receive() == "hello tester"
        assert (await client.get("/")).status_code == 200


async def test_a_worker_holds_at_most_max_websockets(bearer: Callable[..., dict[str, str]]) -> None:
    """At MAX_WEBSOCKETS 1, a second WebSocket, whoever opens it, is refused 503 at once."""
    app, lines = feed_app(MAX_WEBSOCKETS=1)
    async with app.test_client().websocket("/feed", headers=bearer("feed:read")) as first:
        assert await first.receive() == "hello tester"
        status, body = await refusal(app, bearer("feed:read", subject="bob"))
    assert status == 503
    assert body["detail"] == "This worker has 1 WebSockets open, its most; try again shortly."
    assert [line["reason"] for line in json_lines(lines) if line.get("status") == 503] == [
        "MAX_WEBSOCKETS"
    ]


async def test_one_caller_holds_at_most_its_own_cap(bearer: Callable[..., dict[str, str]]) -> None:
    """Ann's third socket is a 429 while Bob opens his; Ann's closed socket frees her a place."""
    app, _ = feed_app(MAX_WEBSOCKETS_PER_CALLER=2)
    client, ann = app.test_client(), bearer("feed:read", subject="ann")
    async with client.websocket("/feed", headers=ann) as first:
        assert await first.receive() == "hello ann"
        async with client.websocket("/feed", headers=ann) as second:
            assert await second.receive() == "hello ann"
            status, body = await refusal(app, ann)
            assert status == 429
            assert "(MAX_WEBSOCKETS_PER_CALLER)" in body["detail"]
            async with client.websocket("/feed", headers=bearer("feed:read", subject="bob")) as bob:
                assert await bob.receive() == "hello bob"
        await asyncio.sleep(0.05)  # the second socket's end runs once its client has gone
        async with client.websocket("/feed", headers=ann) as third:
            assert await third.receive() == "hello ann"


async def test_an_idle_websocket_is_closed_with_1001(bearer: Callable[..., dict[str, str]]) -> None:
    """No message either way for WEBSOCKET_IDLE_TIMEOUT: closed, Going Away; messages keep it."""
    app, _ = feed_app(WEBSOCKET_IDLE_TIMEOUT=1)
    async with app.test_client().websocket("/feed", headers=bearer("feed:read")) as feed:
        assert await feed.receive() == "hello tester"
        for _ in range(3):
            await asyncio.sleep(0.5)
            await feed.send("still here")
            assert await feed.receive() == "still here"
        with pytest.raises(WebsocketDisconnectError) as closed:
            await asyncio.wait_for(feed.receive(), 5)
    assert closed.value.args[0] == 1001


async def test_a_websocket_closes_when_its_token_expires(token: Callable[..., str]) -> None:
    """A caller cannot outlive its credentials: at the token's exp (AUTH_LEEWAY 0), 1008."""
    app, _ = feed_app(AUTH_LEEWAY=0)
    headers = {"Authorization": f"Bearer {token('feed:read', lifetime=2)}"}
    async with app.test_client().websocket("/feed", headers=headers) as feed:
        assert await feed.receive() == "hello tester"
        with pytest.raises(WebsocketDisconnectError) as closed:
            await chatting(feed, seconds=10)
    assert closed.value.args[0] == 1008


async def chatting(feed: quart_typing.TestWebsocketConnectionProtocol, seconds: float) -> None:
    """Send the feed a message and read its echo, five times a second, for `seconds` at most."""
    async with asyncio.timeout(seconds):
        while True:
            await feed.send("still here")
            assert await feed.receive() == "still here"
            await asyncio.sleep(0.2)


DEAF_APP = f"""
import asyncio

from quart import websocket

from {SERVICE}.core import public
from {SERVICE}.core.tests.plumbing import create_app as create_plumbing


def create_app():
    app = create_plumbing()

    @app.websocket("/deaf")
    @public
    async def deaf():
        await websocket.send("hello")
        await asyncio.sleep(3600)

    return app
"""
MESSAGE = b"x" * 65536
SENT = 400


def serve_deaf(serve: Callable[..., LiveServer], tmp_path: Path, idle: int) -> LiveServer:
    """The plumbing with a public WebSocket that greets, then never reads; idle after `idle` s."""
    (tmp_path / "deaf_app.py").write_text(DEAF_APP)
    return serve(factory="deaf_app:create_app", WEBSOCKET_IDLE_TIMEOUT=idle, GRACEFUL_TIMEOUT=1)


@pytest.fixture
def deaf_server(serve: Callable[..., LiveServer], tmp_path: Path) -> LiveServer:
    """The deaf WebSocket, closed once idle for 2 s."""
    return serve_deaf(serve, tmp_path, idle=2)


@pytest.mark.processes
async def test_a_view_that_does_not_read_costs_the_worker_16_messages(
    serve: Callable[..., LiveServer], tmp_path: Path
) -> None:
    """Under make serve, 25 MiB sent to a view that reads none: the worker holds 16 messages.

    The rest stays in the kernel's buffers and with the client, whose sends wait. The socket
    must still be open when measured: closed (idle, on a loaded machine), the worker reads what
    the kernel held to find the client's close, which is another matter than holding messages.
    """
    deaf_server = serve_deaf(serve, tmp_path, idle=60)
    [serving] = events(deaf_server, "worker serving")
    url = f"ws://127.0.0.1:{deaf_server.port}/deaf"
    async with connect(url) as warm_up:  # what a first socket loads, before the measure
        assert await warm_up.recv() == "hello"
    before = resident_mib(serving["pid"])
    async with connect(url, max_size=None) as socket:
        assert await socket.recv() == "hello"
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(3):
                for _ in range(SENT):
                    await socket.send(MESSAGE)
        await asyncio.sleep(0.5)
        grown = resident_mib(serving["pid"]) - before
        assert socket.state is State.OPEN
    assert grown < 16 * len(MESSAGE) / 2**20 + 4


@pytest.mark.processes
async def test_an_idle_socket_is_closed_under_make_serve(deaf_server: LiveServer) -> None:
    """A real client hears 1001 once nothing has gone either way for WEBSOCKET_IDLE_TIMEOUT."""
    async with connect(f"ws://127.0.0.1:{deaf_server.port}/deaf") as socket:
        assert await socket.recv() == "hello"
        started = time.monotonic()
        closed = await until_closed(socket)
    assert closed.rcvd is not None
    assert (closed.rcvd.code, closed.rcvd.reason) == (1001, "idle for 2 s")
    assert time.monotonic() - started < 8
