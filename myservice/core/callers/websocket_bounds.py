"""The bounds of WebSockets: how many a worker holds, how many one caller, how long idle or unpaid.

An open WebSocket can last for hours, so sockets have caps of their own, apart from
MAX_IN_FLIGHT, and cannot starve plain requests:

- MAX_WEBSOCKETS open at once per worker: one more is refused 503 with Retry-After before the
  gate, as a request over MAX_IN_FLIGHT is (both in in_flight.py);
- MAX_WEBSOCKETS_PER_CALLER, keyed as the rate limit is (the token's subject, else the client's
  address): one more is refused 429 before it is accepted;
- WEBSOCKET_IDLE_TIMEOUT: a socket over which no message has gone either way for that long is
  closed with 1001 Going Away;
- a socket opened with a token is closed with 1008 Policy Violation once the token would no
  longer be accepted (its `exp`, plus AUTH_LEEWAY): a caller cannot outlive its credentials.

Messages the view has not read yet are held up to QUEUED; then the server stops reading the
client, which TCP then holds back, instead of buffering without end.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from typing import Any, cast

from quart import Quart, Websocket
from quart.asgi import ASGIWebsocketConnection
from quart.typing import ResponseTypes
from werkzeug.exceptions import TooManyRequests

from ..http.layers import Handling
from ..http.request import ServiceWebsocket
from .gate import EXTENSION_KEY as GATE

EXTENSION_KEY = __name__
GOING_AWAY = 1001
POLICY_VIOLATION = 1008
# Messages received and not yet read by the view, per socket.
QUEUED = 16


class BoundedWebsocketConnection(ASGIWebsocketConnection):
    """Quart's WebSocket connection, holding at most QUEUED unread messages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue: asyncio.Queue[str | bytes] = asyncio.Queue(QUEUED)


def released(handle: Handling, app: Quart) -> Handling:
    """The link that gives back a WebSocket's place under its caller's cap once it closes."""
    bounds: WebsocketBounds = app.extensions[EXTENSION_KEY]

    async def releasing(websocket: Websocket) -> ResponseTypes | None:
        try:
            return await handle(websocket)
        finally:
            bounds.release(cast(ServiceWebsocket, websocket))

    return releasing


class WebsocketBounds:
    """The worker's open WebSockets by caller, and how long each may last."""

    def __init__(self, per_caller: int, idle: float, leeway: float) -> None:
        """`per_caller` open at most; closed `idle` s idle, or `leeway` s past the token's exp."""
        self._per_caller = per_caller
        self._idle = idle
        self._leeway = leeway
        self._by_caller: Counter[str] = Counter()

    def hold(self, app: Quart, websocket: ServiceWebsocket) -> None:
        """Count `websocket` against its caller's cap, and watch it; TooManyRequests over it."""
        caller = websocket.caller
        key = f"subject:{caller.subject}" if caller else app.extensions[GATE].client_key(websocket)
        if self._by_caller[key] >= self._per_caller:
            raise TooManyRequests(
                f"This caller has {self._per_caller} WebSockets open, its most"
                " (MAX_WEBSOCKETS_PER_CALLER); close one first."
            )
        self._by_caller[key] += 1
        expires = float(caller.claims["exp"]) + self._leeway if caller else None
        websocket.bounds = (key, asyncio.ensure_future(self._watch(websocket, expires)))

    def release(self, websocket: ServiceWebsocket) -> None:
        """`websocket` has closed: it no longer counts, nor is it watched."""
        if websocket.bounds is None:
            return
        key, watch = websocket.bounds
        watch.cancel()
        self._by_caller[key] -= 1
        if not self._by_caller[key]:
            del self._by_caller[key]
        websocket.bounds = None

    async def _watch(self, websocket: ServiceWebsocket, expires: float | None) -> None:
        """Close `websocket` once idle too long, or once its token has expired (`expires`)."""
        while True:
            if expires is not None and expires <= time.time():
                await _close(websocket, POLICY_VIOLATION, "the token has expired")
                return
            idle_for = self._idle - (time.monotonic() - websocket.last_active)
            if idle_for <= 0:
                await _close(websocket, GOING_AWAY, f"idle for {self._idle:g} s")
                return
            await asyncio.sleep(
                idle_for if expires is None else min(idle_for, expires - time.time())
            )


async def _close(websocket: ServiceWebsocket, code: int, reason: str) -> None:
    # The client may have gone already: then there is nothing left to close.
    with contextlib.suppress(Exception):
        await websocket.close(code, reason)


def init_app(app: Quart) -> None:
    """Bound the app's WebSockets by its settings."""
    config = app.config
    app.asgi_websocket_class = BoundedWebsocketConnection
    app.extensions[EXTENSION_KEY] = WebsocketBounds(
        config["MAX_WEBSOCKETS_PER_CALLER"],
        config["WEBSOCKET_IDLE_TIMEOUT"],
        config["AUTH_LEEWAY"],
    )
