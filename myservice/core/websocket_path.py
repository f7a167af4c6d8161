"""The path of every WebSocket, beside the app class's path of every request.

A WebSocket passes the gate before it is accepted, as a request does before its view (token,
scopes, rate limit; app_class.py): refused, the client gets the problem document over HTTP,
and no 101. It counts against caps of its own, in all and by caller, and is closed once idle
or once its token expires (callers/websocket_bounds.py). Each is counted by route and status
(101 once accepted) and logged when it closes, with its whole duration; the drain of
`make serve` closes those still open with 1001 Going Away (close_open_websockets).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from quart import Quart
from quart.typing import ResponseTypes

from .callers import websocket_bounds
from .http.request import ServiceWebsocket
from .http.request_ids import current_request_id
from .http.routes import route_of
from .observability import metrics, request_log

EXTENSION_KEY = __name__
ACCEPTED = 101
GOING_AWAY = 1001

Handler = Callable[[ServiceWebsocket], Awaitable[ResponseTypes | None]]


def init_app(app: Quart) -> None:
    """Keep the WebSockets the app has open, for the drain to close."""
    app.extensions[EXTENSION_KEY] = set()


async def handled(app: Quart, websocket: ServiceWebsocket, handle: Handler) -> ResponseTypes | None:
    """Handle the WebSocket as Quart does, counted while open, measured and logged once closed."""
    started = time.perf_counter()
    open_sockets: set[ServiceWebsocket] = app.extensions[EXTENSION_KEY]
    recorder: metrics.RequestMetrics = app.extensions[metrics.EXTENSION_KEY]
    refusal: ResponseTypes | None = None
    open_sockets.add(websocket)
    recorder.websockets_open.inc()
    try:
        refusal = await handle(websocket)
        return refusal
    finally:
        app.extensions[websocket_bounds.EXTENSION_KEY].release(websocket)
        open_sockets.discard(websocket)
        recorder.websockets_open.dec()
        status = _status(websocket, refusal)
        route = route_of(websocket)
        recorder.websockets.labels(route, str(status)).inc()
        log: request_log.RequestLog = app.extensions[request_log.EXTENSION_KEY]
        seconds = time.perf_counter() - started
        request_id = current_request_id() or ""
        log.write(websocket, request_id, "GET", route, status, seconds, kind="websocket")


async def close_open_websockets(app: Quart, code: int = GOING_AWAY) -> int:
    """Close every accepted WebSocket with `code`; give how many there were."""
    open_sockets: set[ServiceWebsocket] = app.extensions[EXTENSION_KEY]
    accepted = [websocket for websocket in open_sockets if websocket.accepted]
    for websocket in accepted:
        await websocket.close(code, "the server is going away")
    return len(accepted)


def _status(websocket: ServiceWebsocket, refusal: ResponseTypes | None) -> int:
    if websocket.accepted:
        return ACCEPTED
    return refusal.status_code if refusal is not None else 500
