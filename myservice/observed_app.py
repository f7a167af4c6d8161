"""The app class: each request gets its id, its log line, its metrics and the security headers.

This runs around Quart's own request handling rather than as before/after-request hooks: the
hooks and the context-local proxies they read cost about as much as the rest of a request
(`make bench` measured it), and this way no response, error pages included, escapes any of it.
"""

from __future__ import annotations

import time

from quart.typing import ResponseTypes
from quart.wrappers import Request

from myservice.logs import log_request
from myservice.metrics import EXTENSION_KEY as METRICS
from myservice.metrics import RequestMetrics
from myservice.request_ids import HEADER, assign_request_id, sent_request_id
from myservice.routing import method_of, route_of
from myservice.security_headers import add_security_headers
from myservice.wrappers import JSONApp


class ObservedApp(JSONApp):
    """JSONApp that identifies, logs, counts and secures every HTTP request it answers."""

    async def handle_request(self, request: Request) -> ResponseTypes:
        """Answer the request as Quart does, then record it and add the common headers."""
        started = time.perf_counter()
        request_id = assign_request_id(sent_request_id(request.scope["headers"]))
        metrics: RequestMetrics = self.extensions[METRICS]
        metrics.in_progress.inc()
        try:
            response = await super().handle_request(request)
        finally:
            metrics.in_progress.dec()
        seconds = time.perf_counter() - started
        response.headers.add(HEADER, request_id)
        add_security_headers(response.headers)
        method, route = method_of(request), route_of(request)
        metrics.observe(method, route, response.status_code, seconds)
        log_request(self, request, route, response.status_code, seconds)
        return response
