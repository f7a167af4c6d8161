"""The path as request_path.py declares it: the outer layers see what the inner ones answer."""

from __future__ import annotations

import json
from typing import Any

from ..http.host_header import MISSING_HOST
from .plumbing import create_app
from .raw_asgi import RawExchange


async def answer_to(headers: list[tuple[bytes, bytes]], **settings: object) -> list[dict[str, Any]]:
    """The messages the app sends to an HTTP/1.1 GET / with `headers`, as a server gets them."""
    app = create_app({"TESTING": True, **settings})
    async with app.test_app():
        return await RawExchange(app, "/", headers).run()


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
