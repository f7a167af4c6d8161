"""The Prometheus scrape endpoint."""

from __future__ import annotations

from quart import Blueprint, Response, current_app, request

from myservice.logs import quiet
from myservice.metrics import exposition
from myservice.openapi import media_response

blueprint = Blueprint("metrics", __name__)


@blueprint.get("/metrics")
@quiet
@media_response(
    200,
    "Prometheus text exposition, or OpenMetrics for a scraper that asks for it.",
    "text/plain",
    "application/openmetrics-text",
)
async def metrics() -> Response:
    """Request counts, latency and requests in progress, as Prometheus text or OpenMetrics."""
    body, content_type = exposition(current_app, request.headers.get("Accept", ""))
    return current_app.response_class(body, content_type=content_type)
