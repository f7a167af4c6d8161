"""WebSockets pass the gate before they are accepted, are counted and logged, and drain with 1001."""

from __future__ import annotations

import asyncio
import io
import json
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from quart import Blueprint, Quart, websocket
from quart.testing import WebsocketResponseError
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from ...callers.auth import current_caller
from ...http.access import requires
from ...identity import SERVICE
from ...observability import logs
from ...testing.guides import guide, python_blocks
from ...testing.live_server import LiveServer
from ..plumbing import create_app
from .test_logs import json_lines

# The worked example of docs/api.md, as written there.
FEED = python_blocks(guide("api.md").split("## WebSockets")[1])[0]


def feed_routes() -> Blueprint:
    """A WebSocket that needs feed:read, greets its caller by subject, then echoes."""
    routes = Blueprint("_feed", __name__)

    @routes.websocket("/feed")
    @requires("feed:read")
    async def feed() -> None:
        caller = current_caller()
        assert caller is not None
        await websocket.send(f"hello {caller.subject}")
        while True:
            await websocket.send(await websocket.receive())

    return routes


def feed_app(**settings: object) -> tuple[Quart, io.StringIO]:
    """The plumbing with the feed, in test mode, its log lines kept."""
    app = create_app({"TESTING": True, "LOG_FORMAT": "json", **settings})
    app.register_blueprint(feed_routes())
    lines = io.StringIO()
    logs.init_app(app, lines)
    return app, lines


async def refusal(app: Quart, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    """The status and body the feed refuses a connection with, before any 101."""
    with pytest.raises(WebsocketResponseError) as refused:
        async with app.test_client().websocket("/feed", headers=headers) as socket:
            await socket.receive()
    response = refused.value.response
    return response.status_code, await response.get_json(force=True)


async def test_no_token_is_a_401_problem_and_no_upgrade() -> None:
    """The gate decides before the upgrade: the client hears 401 over HTTP, as a request would."""
    app, lines = feed_app()
    status, body = await refusal(app)
    assert status == 401
    assert body["detail"] == "This route needs a bearer token in the Authorization header."
    [line] = [line for line in json_lines(lines) if line["event"] == "websocket"]
    assert (line["route"], line["status"]) == ("/feed", 401)


async def test_a_token_without_the_scope_is_a_403(bearer: Callable[..., dict[str, str]]) -> None:
    """A valid token lacking feed:read is refused with the challenge naming the scope."""
    app, _ = feed_app()
    status, body = await refusal(app, bearer("other:read"))
    assert status == 403
    assert body["error"] == "insufficient_scope"


async def test_the_rate_limit_counts_websockets_too() -> None:
    """Refused connections spend their address's budget, then 429."""
    app, _ = feed_app(RATE_LIMIT="2/minute")
    assert [(await refusal(app))[0] for _ in range(3)] == [401, 401, 429]


async def test_an_admitted_caller_is_known_inside_and_logged_once_closed(
    bearer: Callable[..., dict[str, str]],
) -> None:
    """current_caller() works in the WebSocket; its line says 101, its subject, its duration."""
    app, lines = feed_app()
    async with app.test_client().websocket(
        "/feed", headers=bearer("feed:read", subject="ann")
    ) as ws:
        assert await ws.receive() == "hello ann"
        await ws.send("ping")
        assert await ws.receive() == "ping"
    await asyncio.sleep(0.05)  # the handler's end runs once the client has gone
    [line] = [line for line in json_lines(lines) if line["event"] == "websocket"]
    assert (line["status"], line["subject"], line["scopes"]) == (101, "ann", ["feed:read"])
    metrics = await (await app.test_client().get("/metrics")).get_data(as_text=True)
    assert 'websocket_connections_total{route="/feed",status="101"} 1.0' in metrics


async def test_no_websocket_hook_runs_for_a_refused_caller() -> None:
    """before_websocket hooks come after the gate, as before_request hooks do."""
    app, _ = feed_app()
    ran: list[str] = []

    @app.before_websocket
    async def remember() -> None:
        ran.append(websocket.path)

    assert (await refusal(app))[0] == 401
    assert ran == []


def serve_feed(serve: Callable[..., LiveServer], tmp_path: Path) -> LiveServer:
    """Serve the plumbing with FEED as its one view, from a factory module in `tmp_path`."""
    (tmp_path / "feed_factory.py").write_text(
        "from pathlib import Path\n"
        f"from {SERVICE}.core.tests.plumbing import create_app_with_views\n"
        f"from {SERVICE}.core.tests.observability.test_open_websockets import FEED\n\n"
        "def create_app():\n"
        f"    return create_app_with_views(Path({str(tmp_path)!r}) / 'views', {{'feed': FEED}})\n"
    )
    (tmp_path / "views").mkdir()
    return serve(factory="feed_factory:create_app", AUTH_DEVELOPMENT_KEY=True, DRAIN_DELAY=1)


async def test_the_production_server_gates_serves_and_drains_websockets(
    serve: Callable[..., LiveServer], tmp_path: Path, token: Callable[..., str]
) -> None:
    """A real client against make serve: 401 without a token, an echo with one, 1001 at drain."""
    server = serve_feed(serve, tmp_path)
    url = f"ws://127.0.0.1:{server.port}/feed"
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url):
            pass
    assert refused.value.response.status_code == 401
    assert json.loads(refused.value.response.body)["status"] == 401
    headers = {"Authorization": f"Bearer {token('feed:read', subject='ann')}"}
    async with connect(url, additional_headers=headers) as socket:
        assert await socket.recv() == "hello ann"
        await socket.send("ping")
        assert await socket.recv() == "ping"
        stopping = asyncio.create_task(asyncio.to_thread(server.stop, signal.SIGTERM))
        closed = await until_closed(socket)
    assert closed.rcvd is not None
    assert closed.rcvd.code == 1001
    assert await stopping == 0


async def until_closed(socket: ClientConnection) -> ConnectionClosed:
    """How the server closed `socket`, reading whatever it sends until then (10 s at most)."""
    async with asyncio.timeout(10):
        while True:
            try:
                await socket.recv()
            except ConnectionClosed as closed:
                return closed
