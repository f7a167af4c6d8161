"""Metrics for Prometheus: requests, latency, in progress and shed; WebSockets; server refusals.

Labels use the URL rule that matched, never the raw path, so no client can grow the label set.
Under `make serve` every worker writes to PROMETHEUS_MULTIPROC_DIR and /metrics sums them all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from quart import Quart

EXTENSION_KEY = __name__
MULTIPROCESS_DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


@dataclass(frozen=True)
class RequestMetrics:
    """The app's metrics, the registry they belong to, and their label children by label values."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    in_progress: Gauge
    shed: Counter
    websockets: Counter
    websockets_open: Gauge
    refused_by_server: Counter
    _children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = field(default_factory=dict)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count an answered request and record how long it took."""
        children = self._children.get((method, route, status))
        if children is None:
            # Looking children up by labels takes a lock each time; the label set is bounded.
            children = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._children[method, route, status] = children
        children[0].inc()
        children[1].observe(seconds)


def init_app(app: Quart) -> None:
    """Create the app's own metrics, which ServiceApp records every request in."""
    registry = CollectorRegistry()
    app.extensions[EXTENSION_KEY] = RequestMetrics(
        registry,
        Counter(
            "http_requests",
            "HTTP requests answered, by method, route and status.",
            ["method", "route", "status"],
            registry=registry,
        ),
        Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route.",
            ["method", "route"],
            registry=registry,
        ),
        Gauge(
            "http_requests_in_progress",
            "HTTP requests being handled.",
            registry=registry,
            multiprocess_mode="livesum",
        ),
        Counter(
            "http_requests_shed",
            "HTTP requests answered 503 at once, the worker having MAX_IN_FLIGHT in flight.",
            registry=registry,
        ),
        Counter(
            "websocket_connections",
            "WebSockets asked for, by route and status: 101 accepted, else the refusal's.",
            ["route", "status"],
            registry=registry,
        ),
        Gauge(
            "websockets_open",
            "WebSockets accepted and not yet closed.",
            registry=registry,
            multiprocess_mode="livesum",
        ),
        Counter(
            "http_connections_refused",
            "Connections the server answered and closed before the app had a request, by status:"
            " 400 unparsable, 408 head not whole within HEADER_TIMEOUT, 431 head too large.",
            ["status"],
            registry=registry,
        ),
    )


def exposition(app: Quart, accept: str) -> tuple[bytes, str]:
    """The metrics and their content type, in the format `accept` asks for (OpenMetrics or text).

    They are this process's own, or under `make serve` the sum over every worker.
    """
    encoder, content_type = choose_encoder(accept)
    if MULTIPROCESS_DIRECTORY_VARIABLE in os.environ:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return encoder(registry), content_type
    metrics: RequestMetrics = app.extensions[EXTENSION_KEY]
    return encoder(metrics.registry), content_type
