"""MAX_IN_FLIGHT: the requests a worker answers at once; one more is refused at once with 503.

MAX_WEBSOCKETS is the same for open WebSockets, apart, so that they cannot starve requests.

The cap is a layer of the request path, before any routing, so that a flood queues nowhere:
the request is counted, logged and answered 503 with Retry-After straight to the server. The
probes are spared: a busy worker is not a dead one.
"""

from __future__ import annotations

from hypercorn.typing import (
    ASGIReceiveCallable,
    ASGISendCallable,
    HTTPScope,
    Scope,
    WebsocketScope,
)
from quart import Quart

from ..http.layers import ASGIApp
from ..http.refusals import send_problem
from ..http.request_ids import current_request_id
from ..http.routes import method_label
from ..observability import metrics, probes, request_log

# Seconds a client refused for MAX_IN_FLIGHT is told to wait.
BUSY_RETRY_AFTER = 1


class InFlightCap:
    """How many requests the worker is answering, and how many it may."""

    def __init__(self, setting: str, limit: int, spared: frozenset[str], busy: str) -> None:
        """At most `limit` at once (the setting named `setting`); the paths `spared` never refused.

        `busy` tells the client refused why.
        """
        self.setting, self.limit, self.spared, self.busy = setting, limit, spared, busy
        self.count = 0

    def admits(self, path: str) -> bool:
        """Whether a request to `path` may start now."""
        return self.count < self.limit or path in self.spared


class InFlightCaps:
    """The layer that answers 503 to a request or WebSocket past its cap, and counts the rest."""

    def __init__(self, app: ASGIApp, service: Quart) -> None:
        self.app, self.service = app, service
        self.caps = caps_of(service)

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Refuse a request or WebSocket past its cap; count the others while answered."""
        cap = self.caps[scope["type"]]
        if not cap.admits(scope["path"]):  # type: ignore[typeddict-item]
            await refuse(self.service, cap, scope, send)  # type: ignore[arg-type]
            return
        cap.count += 1
        try:
            await self.app(scope, receive, send)
        finally:
            cap.count -= 1


def caps_of(app: Quart) -> dict[str, InFlightCap]:
    """The caps of requests (sparing the probes) and of WebSockets, by ASGI scope type."""
    requests, websockets = app.config["MAX_IN_FLIGHT"], app.config["MAX_WEBSOCKETS"]
    return {
        "http": InFlightCap(
            "MAX_IN_FLIGHT",
            requests,
            probes.paths(app),
            f"This worker is answering {requests} requests, its most",
        ),
        "websocket": InFlightCap(
            "MAX_WEBSOCKETS",
            websockets,
            frozenset(),
            f"This worker has {websockets} WebSockets open, its most",
        ),
    }


async def refuse(
    app: Quart,
    cap: InFlightCap,
    scope: HTTPScope | WebsocketScope,
    send: ASGISendCallable,
) -> None:
    """Refuse a request or WebSocket over `cap`: counted, logged, answered 503, Retry-After."""
    recorder: metrics.RequestMetrics = app.extensions[metrics.EXTENSION_KEY]
    recorder.shed.inc()
    log: request_log.RequestLog = app.extensions[request_log.EXTENSION_KEY]
    client = scope.get("client")
    method = method_label(str(scope.get("method", "GET")))  # a WebSocket's is the upgrade's GET
    log.write_refused(current_request_id(), method, client[0] if client else None, 503, cap.setting)
    detail = f"{cap.busy}; try again shortly."
    await send_problem(scope, send, 503, detail, [(b"retry-after", str(BUSY_RETRY_AFTER).encode())])
