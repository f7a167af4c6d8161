"""Metrics for Prometheus: requests, latency and requests in progress, by method and route.

Labels use the URL rule that matched, never the raw path, so no client can grow the label set.
Under `make serve` every worker writes to PROMETHEUS_MULTIPROC_DIR and /metrics sums them all.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from quart import Quart, Response, current_app, g, request

from myservice.routing import method_of, route_of

EXTENSION_KEY = "myservice.metrics"
MULTIPROCESS_DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


@dataclass(frozen=True)
class RequestMetrics:
    """The app's metrics and the registry they belong to."""

    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    in_progress: Gauge


def init_app(app: Quart) -> None:
    """Create the app's own metrics and record every request in them."""
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
            "HTTP requests being handled, by method and route.",
            ["method", "route"],
            registry=registry,
            multiprocess_mode="livesum",
        ),
    )
    app.before_request(_start_request)
    app.after_request(_count_response)
    app.teardown_request(_end_request)


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


async def _start_request() -> None:
    metrics: RequestMetrics = current_app.extensions[EXTENSION_KEY]
    g.metrics_labels = (method_of(request), route_of(request))
    g.metrics_started = time.perf_counter()
    metrics.in_progress.labels(*g.metrics_labels).inc()


async def _count_response(response: Response) -> Response:
    metrics: RequestMetrics = current_app.extensions[EXTENSION_KEY]
    method, route = g.metrics_labels
    metrics.requests.labels(method, route, str(response.status_code)).inc()
    metrics.latency.labels(method, route).observe(time.perf_counter() - g.metrics_started)
    return response


async def _end_request(_error: BaseException | None) -> None:
    """Runs even when the client went away and the request was cancelled."""
    if "metrics_labels" in g:
        metrics: RequestMetrics = current_app.extensions[EXTENSION_KEY]
        metrics.in_progress.labels(*g.metrics_labels).dec()
