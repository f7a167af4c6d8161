"""Answers sent before the app has a request: a problem document like any, straight to the server."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from hypercorn.typing import ASGISendEvent, HTTPScope

from ...http.raw_answers import lacks_host, send_problem


@pytest.mark.parametrize(
    ("version", "headers", "lacking"),
    [
        ("1.1", [], True),
        ("1.1", [(b"x-host", b"a")], True),
        ("1.1", [(b"host", b"a")], False),
        ("1.0", [], False),
        ("2", [], False),
    ],
)
def test_only_http_1_1_needs_its_host(
    version: str, headers: list[tuple[bytes, bytes]], lacking: bool
) -> None:
    """HTTP/1.0 may leave Host out, HTTP/2 names it in :authority; HTTP/1.1 must send it."""
    scope = cast(HTTPScope, {"http_version": version, "headers": headers})
    assert lacks_host(scope) is lacking


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
