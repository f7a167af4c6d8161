"""MAX_IN_FLIGHT: the requests a worker answers at once; one more is refused at once with 503.

MAX_WEBSOCKETS is the same for open WebSockets, apart, so that they cannot starve requests.

The cap acts before any routing, so that a flood queues nowhere: the request is counted, logged
and answered 503 with Retry-After straight to the server. The probes are spared: a busy worker
is not a dead one.
"""

from __future__ import annotations

from hypercorn.typing import ASGISendCallable, HTTPScope, WebsocketScope
from quart import Quart

from ..http.raw_answers import send_problem
from ..http.routes import method_label
from ..observability import metrics, probes, request_log

EXTENSION_KEY = __name__
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


def init_app(app: Quart) -> None:
    """Cap requests (sparing the probes, registered before this) and WebSockets, by scope type."""
    requests, websockets = app.config["MAX_IN_FLIGHT"], app.config["MAX_WEBSOCKETS"]
    app.extensions[EXTENSION_KEY] = {
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
    request_id: str,
) -> None:
    """Refuse a request or WebSocket over `cap`: counted, logged, answered 503, Retry-After."""
    recorder: metrics.RequestMetrics = app.extensions[metrics.EXTENSION_KEY]
    recorder.shed.inc()
    log: request_log.RequestLog = app.extensions[request_log.EXTENSION_KEY]
    client = scope.get("client")
    method = method_label(str(scope.get("method", "GET")))  # a WebSocket's is the upgrade's GET
    log.write_refused(request_id, method, client[0] if client else None, 503, cap.setting)
    detail = f"{cap.busy}; try again shortly."
    await send_problem(scope, send, 503, detail, [(b"retry-after", str(BUSY_RETRY_AFTER).encode())])
