"""The WebSockets open: counted while open, logged once closed, closed by the drain.

Each is counted by route and status (101 once accepted) and logged when it closes, with its
whole duration; the drain of `make serve` closes those still open with 1001 Going Away
(close_open_websockets). Before it is accepted, a WebSocket passes the gate as a request does,
and counts against caps of its own (callers/websocket_bounds.py).
"""

from __future__ import annotations

import time
from typing import cast

from quart import Quart, Websocket
from quart.typing import ResponseTypes

from ..http.layers import Handling
from ..http.request import ServiceWebsocket
from ..http.request_ids import current_request_id
from ..http.routes import route_of
from . import metrics, request_log

EXTENSION_KEY = __name__
ACCEPTED = 101
GOING_AWAY = 1001


def init_app(app: Quart) -> None:
    """Keep the WebSockets the app has open, for the drain to close."""
    app.extensions[EXTENSION_KEY] = set()


def measured(handle: Handling, app: Quart) -> Handling:
    """The link that counts each WebSocket while open, and measures and logs it once closed."""
    open_sockets: set[Websocket] = app.extensions[EXTENSION_KEY]
    recorder: metrics.RequestMetrics = app.extensions[metrics.EXTENSION_KEY]

    async def measured_handling(websocket: Websocket) -> ResponseTypes | None:
        started = time.perf_counter()
        refusal: ResponseTypes | None = None
        open_sockets.add(websocket)
        recorder.websockets_open.inc()
        try:
            refusal = await handle(websocket)
            return refusal
        finally:
            open_sockets.discard(websocket)
            recorder.websockets_open.dec()
            status = _status(websocket, refusal)
            route = route_of(websocket)
            recorder.websockets.labels(route, str(status)).inc()
            log: request_log.RequestLog = app.extensions[request_log.EXTENSION_KEY]
            seconds = time.perf_counter() - started
            request_id = current_request_id() or ""
            log.write(websocket, request_id, "GET", route, status, seconds, kind="websocket")

    return measured_handling


async def close_open_websockets(app: Quart, code: int = GOING_AWAY) -> int:
    """Close every accepted WebSocket with `code`; give how many there were."""
    open_sockets: set[ServiceWebsocket] = app.extensions[EXTENSION_KEY]
    accepted = [websocket for websocket in open_sockets if websocket.accepted]
    for websocket in accepted:
        await websocket.close(code, "the server is going away")
    return len(accepted)


def _status(websocket: Websocket, refusal: ResponseTypes | None) -> int:
    if cast(ServiceWebsocket, websocket).accepted:
        return ACCEPTED
    return refusal.status_code if refusal is not None else 500
