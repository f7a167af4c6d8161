"""The path of every request and WebSocket, outermost first: this file is the whole of it.

1. LAYERS, pure ASGI, act before Quart routes anything, so that what they refuse costs no
   routing and reaches no view.
2. Quart then routes the request (404, 405, and OPTIONS it answers itself) and passes it
   through the gate (callers/gate.py: token, rate limit, scopes), before any before-request hook
   of the service; then the hooks and the view. The request class bounds the body
   (MAX_CONTENT_LENGTH, BODY_TIMEOUT; gzip inflated as the view reads it). A view may return a
   pydantic model (http/responses.py); an error becomes a problem document (http/problems.py).
3. AROUND_EACH_REQUEST wraps step 2 for each request, AROUND_EACH_WEBSOCKET for each WebSocket
   (which passes the gate too, then its caller's cap, before it is accepted).

A step is written in its feature's folder, in one of the shapes http/layers.py gives; a new
feature on the path adds a line here. A step with nothing to do for this app's settings (no
CORS_ORIGINS, say) leaves itself out when the path is built, at the first request.
"""

from __future__ import annotations

from .callers import websocket_bounds
from .callers.cors import cors_headers
from .callers.gate import rate_limit_headers
from .callers.in_flight import InFlightCaps
from .http.compression import gzip_answers
from .http.host_header import RequireHost
from .http.layers import Layer, Link, WebsocketLink
from .http.request_ids import RequestIds
from .http.security_headers import cache_policy
from .observability import open_websockets, request_log
from .observability.tracing import traced

LAYERS: tuple[Layer, ...] = (
    RequestIds,  # its id; on its answer, the id and the security headers
    RequireHost,  # an HTTP/1.1 request without Host: 400
    InFlightCaps,  # past MAX_IN_FLIGHT, or MAX_WEBSOCKETS: 503 and Retry-After
    gzip_answers,  # answers gzipped for the clients that accept it (COMPRESSION_MINIMUM)
)

AROUND_EACH_REQUEST: tuple[Link, ...] = (
    traced,  # the request's span, continuing its caller's trace (TRACING)
    request_log.measured,  # counted, timed, and one log line once answered
    cors_headers,  # readable by the pages of allowed origins (CORS_ORIGINS)
    rate_limit_headers,  # where the caller stands against the rate limit (RATE_LIMIT)
    cache_policy,  # the view's @cache_control on a successful answer
)

AROUND_EACH_WEBSOCKET: tuple[WebsocketLink, ...] = (
    open_websockets.measured,  # counted while open, logged once closed, closed by the drain
    websocket_bounds.released,  # its place under its caller's cap given back once closed
)
