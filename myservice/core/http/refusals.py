"""Refusals sent straight to the server by a layer, before Quart has a request.

A request over MAX_IN_FLIGHT, or an HTTP/1.1 request without Host, is refused by a layer of the
request path (request_path.py), so that it costs no routing and reaches no view. The answer is a
problem document like every other; to a WebSocket, an HTTP answer instead of the 101 (the ASGI
extension websocket.http.response), or where the server lacks that, a close with 1013 Try Again
Later.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson
from hypercorn.typing import ASGISendCallable, HTTPScope, WebsocketScope

from .problems import PROBLEM_CONTENT_TYPE, problem_body

HTTP_ANSWER = "websocket.http.response"
TRY_AGAIN_LATER = 1013


async def send_problem(
    scope: HTTPScope | WebsocketScope,
    send: ASGISendCallable,
    status: int,
    detail: str,
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    """Send a whole problem response with `status`, `detail` and the extra `headers`."""
    if scope["type"] == "http":
        prefix = "http.response"
    elif HTTP_ANSWER in (scope.get("extensions") or {}):
        prefix = HTTP_ANSWER
    else:
        await send({"type": "websocket.close", "code": TRY_AGAIN_LATER, "reason": detail[:120]})
        return
    body = orjson.dumps(problem_body(status, detail))
    start = {
        "type": f"{prefix}.start",
        "status": status,
        "headers": [
            (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
            *headers,
        ],
    }
    if prefix == "http.response":
        start["trailers"] = False
    await send(start)  # type: ignore[arg-type]
    await send({"type": f"{prefix}.body", "body": body, "more_body": False})  # type: ignore[arg-type, misc]
