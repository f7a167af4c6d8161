"""Answers sent before the app has a request: a problem document like any, straight to the server."""

from __future__ import annotations

import json
from typing import Any, cast

from hypercorn.typing import ASGISendEvent, HTTPScope

from ...http.refusals import send_problem


async def test_a_problem_sent_raw_is_a_whole_problem_document() -> None:
    """Status, content type, length and extra headers, then the body in one piece."""
    sent: list[dict[str, Any]] = []

    async def send(message: ASGISendEvent) -> None:
        sent.append(cast(dict[str, Any], message))

    scope = cast(HTTPScope, {"type": "http"})
    await send_problem(scope, send, 503, "Busy.", [(b"retry-after", b"1")])
    start, body = sent
    assert start["status"] == 503
    headers = dict(start["headers"])
    assert headers[b"content-type"] == b"application/problem+json"
    assert headers[b"retry-after"] == b"1"
    assert int(headers[b"content-length"]) == len(body["body"])
    assert json.loads(body["body"]) == {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "Busy.",
    }
    assert body["more_body"] is False
