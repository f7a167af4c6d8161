"""The path as request_path.py declares it: the outer layers see what the inner ones answer."""

from __future__ import annotations

import json
from typing import Any

from hypercorn.typing import ASGIReceiveEvent, ASGISendEvent

from ..http.host_header import MISSING_HOST
from .plumbing import create_app


async def answer_to(headers: list[tuple[bytes, bytes]], **settings: object) -> list[dict[str, Any]]:
    """The messages the app sends to an HTTP/1.1 GET / with `headers`, as a server gets them."""
    app = create_app({"TESTING": True, **settings})
    scope: Any = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "extensions": {},
    }
    sent: list[dict[str, Any]] = []
    events: list[ASGIReceiveEvent] = [
        {"type": "http.request", "body": b"", "more_body": False},
        {"type": "http.disconnect"},
    ]

    async def receive() -> ASGIReceiveEvent:
        # Once the client has gone, it stays gone.
        return events.pop(0) if len(events) > 1 else events[0]

    async def send(message: ASGISendEvent) -> None:
        sent.append(dict(message))

    async with app.test_app():
        await app(scope, receive, send)
    return sent


async def test_a_request_refused_before_routing_still_gets_its_id_and_headers() -> None:
    """No Host is a 400 problem from an inner layer, and it carries the id the outermost gave."""
    start, body = await answer_to([(b"x-request-id", b"abc-1")])
    headers = dict(start["headers"])
    assert start["status"] == 400
    assert headers[b"x-request-id"] == b"abc-1"
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert headers[b"cache-control"] == b"no-store"
    assert json.loads(body["body"])["detail"] == MISSING_HOST


async def test_a_compressed_answer_carries_the_id_the_layer_outside_it_added() -> None:
    """Gzip is applied inside the id layer: the compressed answer has both."""
    start, *_ = await answer_to(
        [(b"host", b"x"), (b"accept-encoding", b"gzip"), (b"x-request-id", b"abc-2")],
        COMPRESSION_MINIMUM=1,
    )
    headers = dict(start["headers"])
    assert start["status"] == 200
    assert headers[b"content-encoding"] == b"gzip"
    assert headers[b"x-request-id"] == b"abc-2"
