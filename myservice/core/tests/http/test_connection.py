"""The connection: a client that hangs up cancels its answer; sending is bounded; errors surface."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from quart import Blueprint, Quart

from ...http.access import public
from ...observability import logs
from ..plumbing import create_app
from ..raw_asgi import RawExchange

HOST = [(b"host", b"test")]


def slow_app(**settings: object) -> tuple[Quart, asyncio.Event, list[str], io.StringIO]:
    """An app whose /slow waits until cancelled, noting it; started is set once it waits."""
    app = create_app({"TESTING": True, "LOG_FORMAT": "json", **settings})
    routes = Blueprint("_slow", __name__)
    started, seen = asyncio.Event(), []

    @routes.get("/slow")
    @public
    async def slow() -> dict[str, str]:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        return {}

    @routes.get("/trickle")
    @public
    async def trickle() -> tuple[AsyncIterator[bytes], int]:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"first"
            await asyncio.sleep(60)
            yield b"never"

        return chunks(), 200

    @routes.get("/made/<name>")
    @public
    async def made(name: str) -> dict[str, str]:
        seen.append(f"made {name}")
        return {"name": name}

    @routes.get("/chunks")
    @public
    async def in_chunks() -> tuple[AsyncIterator[bytes], int]:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"one"
            yield b"two"

        return chunks(), 200

    app.register_blueprint(routes)
    lines = io.StringIO()
    logs.init_app(app, lines)
    return app, started, seen, lines


async def test_a_client_that_hangs_up_cancels_its_answer_and_the_call_ends_quietly() -> None:
    """The view is cancelled, nothing is sent, the line says 499, and the server sees no error."""
    app, started, seen, lines = slow_app()
    async with app.test_app():
        exchange = RawExchange(app, "/slow", HOST)
        call = asyncio.ensure_future(exchange.run())
        await asyncio.wait_for(started.wait(), 5)
        exchange.hang_up()
        assert await asyncio.wait_for(call, 5) == []
    assert seen == ["cancelled"]
    line = json.loads(lines.getvalue().splitlines()[-1])
    assert (line["status"], line["reason"]) == (499, "the client closed the connection")


async def test_a_server_that_cancels_the_call_cancels_the_answer_too() -> None:
    """Cancelling the server's task (a worker stopping) reaches the view, and the task ends so."""
    app, started, seen, _ = slow_app()
    async with app.test_app():
        call = asyncio.ensure_future(RawExchange(app, "/slow", HOST).run())
        await asyncio.wait_for(started.wait(), 5)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(call, 5)
    assert seen == ["cancelled"]


async def test_sending_an_answer_stops_at_response_timeout() -> None:
    """A body that stalls is cut off after RESPONSE_TIMEOUT: what was sent stays, the call ends."""
    app, *_ = slow_app(RESPONSE_TIMEOUT=1)
    async with app.test_app():
        sent = await asyncio.wait_for(RawExchange(app, "/trickle", HOST).run(), 5)
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
    assert sent[1]["body"] == b"first"


async def test_an_answer_held_whole_is_sent_in_one_message_and_a_stream_chunk_by_chunk() -> None:
    """A JSON answer is its head and one last body message; a streamed one, its chunks then an end."""
    app, *_ = slow_app()
    async with app.test_app():
        whole = await asyncio.wait_for(RawExchange(app, "/made/x", HOST).run(), 5)
        streamed = await asyncio.wait_for(RawExchange(app, "/chunks", HOST).run(), 5)
    assert [message["type"] for message in whole] == ["http.response.start", "http.response.body"]
    assert (json.loads(whole[1]["body"]), whole[1]["more_body"]) == ({"name": "x"}, False)
    bodies = [(message["body"], message["more_body"]) for message in streamed[1:]]
    assert bodies == [(b"one", True), (b"two", True), (b"", False)]


async def test_answers_made_in_one_turn_of_the_loop_are_sent_together_after_it() -> None:
    """Two requests answered at once: both views run before either answer leaves.

    Answers that leave together wake a client on the same host less often (see connection.py).
    Nothing between these views and their sending waits, so each answer is made in one turn.
    """
    app, _, seen, _ = slow_app()
    exchanges = [RawExchange(app, f"/made/{name}", HOST) for name in "ab"]
    for exchange, name in zip(exchanges, "ab", strict=True):
        exchange.sent = Noted(seen, f"sent {name}")
    async with app.test_app():
        await asyncio.wait_for(asyncio.gather(*(exchange.run() for exchange in exchanges)), 5)
    assert seen == ["made a", "made b", "sent a", "sent b"]


async def test_a_server_cancel_between_making_an_answer_and_sending_it_lets_it_go() -> None:
    """A worker stopping just after the view: the answer and its 200 line go, then the call ends."""
    app, _, _, lines = slow_app()
    routes = Blueprint("_stopping", __name__)
    calls: list[asyncio.Task[list[dict[str, Any]]]] = []

    @routes.get("/stopped-after")
    @public
    async def stopped_after() -> dict[str, str]:
        # Runs once this view has returned, in the turn before its answer is sent.
        asyncio.get_running_loop().call_soon(calls[0].cancel)
        return {"made": "yes"}

    app.register_blueprint(routes)
    exchange = RawExchange(app, "/stopped-after", HOST)
    async with app.test_app():
        calls.append(asyncio.ensure_future(exchange.run()))
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(calls[0], 5)
    assert [message["type"] for message in exchange.sent] == [
        "http.response.start",
        "http.response.body",
    ]
    assert json.loads(exchange.sent[1]["body"]) == {"made": "yes"}
    assert json.loads(lines.getvalue().splitlines()[-1])["status"] == 200


class Noted(list[dict[str, object]]):
    """The messages an exchange was sent, the first of them noted in `seen` as `note`."""

    def __init__(self, seen: list[str], note: str) -> None:
        super().__init__()
        self.seen, self.note = seen, note

    def append(self, message: dict[str, object]) -> None:
        """Keep the message; note the answer's head."""
        if message["type"] == "http.response.start":
            self.seen.append(self.note)
        super().append(message)


async def test_a_connection_that_fails_to_read_raises_its_error() -> None:
    """An error reading the request (the server's) is raised to the server, as Quart does."""
    app, *_ = slow_app()

    async def broken() -> dict[str, object]:
        raise OSError("the connection broke")

    async def ignore(_message: object) -> None:
        return None

    exchange = RawExchange(app, "/slow", HOST)
    async with app.test_app():
        with pytest.raises(OSError, match="the connection broke"):
            await asyncio.wait_for(app(exchange.scope, broken, ignore), 5)  # type: ignore[arg-type]
