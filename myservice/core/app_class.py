"""The app class: the path of every request, top to bottom, in one place.

ServiceApp answers as Quart does, and around that gives each request its id, its log line, its
metrics and the security headers, caps the requests in flight and the WebSockets open, and passes
each routed request through the gate (token, rate limit, scopes) before any hook or view of the
service. It does so around Quart's own request handling rather than in before/after-request
hooks: the hooks and the context-local proxies they read cost about as much as the rest of a
request (`make bench` measured it), and this way no response, error pages included, escapes
any of it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, ASGISendEvent, Scope
from pydantic import BaseModel
from quart import Quart, Request, Response, Websocket
from quart.ctx import RequestContext, WebsocketContext
from quart.globals import request_ctx, websocket_ctx
from quart.typing import ResponseReturnValue, ResponseTypes
from werkzeug.exceptions import HTTPException

from . import websocket_path
from .callers import cors, development_serving, gate, in_flight, websocket_bounds
from .http.compression import compressing_for
from .http.json_provider import ORJSONProvider
from .http.raw_answers import MISSING_HOST, lacks_host, send_problem
from .http.readiness import readiness_of
from .http.request import JSONRequest, ServiceWebsocket
from .http.request_ids import HEADER, assign_request_id, current_request_id, sent_request_id
from .http.responses import model_response, without_body
from .http.routes import method_label, route_of
from .http.security_headers import add_security_headers, apply_cache_policy
from .observability import metrics, request_log
from .observability.tracing import tracing_of
from .startup import StartupError

# The messages that open an answer, which carry the request id and the security headers.
HEADED = frozenset({"http.response.start", "websocket.http.response.start", "websocket.accept"})


class ServiceApp(Quart):
    """Quart that identifies, logs, counts and secures every request, and answers only JSON.

    A view may return a pydantic model, alone or first in a tuple, and it is sent as JSON.
    OPTIONS is answered with 204 and no body, where Quart sends a 200 labelled text/html.
    """

    request_class = JSONRequest
    websocket_class = ServiceWebsocket
    json_provider_class = ORJSONProvider

    async def asgi_app(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Give each request and WebSocket its id, then answer it, with the common headers."""
        if scope["type"] not in ("http", "websocket"):
            await super().asgi_app(scope, receive, send)
            return
        # Set before Quart starts the tasks that answer the request: they inherit it.
        request_id = assign_request_id(sent_request_id(scope["headers"]))
        extra = (HEADER, request_id.encode("ascii"))

        async def send_with_headers(message: ASGISendEvent) -> None:
            if message["type"] in HEADED:
                headers = [*message.get("headers", ()), extra]  # type: ignore[misc]
                add_security_headers(headers)
                message["headers"] = headers  # type: ignore[typeddict-unknown-key]
            await send(message)

        if scope["type"] == "http" and lacks_host(scope):
            await send_problem(scope, send_with_headers, 400, MISSING_HOST)
            return
        cap: in_flight.InFlightCap = self.extensions[in_flight.EXTENSION_KEY][scope["type"]]
        if not cap.admits(scope["path"]):
            await in_flight.refuse(self, cap, scope, send_with_headers, request_id)
            return
        cap.count += 1
        try:
            answer: ASGISendCallable = send_with_headers
            if scope["type"] == "http":
                answer = compressing_for(self.config, scope, send_with_headers)
            await super().asgi_app(scope, receive, answer)
        finally:
            cap.count -= 1

    def run(self, host: str | None = None, *args: Any, **kwargs: Any) -> None:
        """`quart run`: refused first, in the one line Hypercorn would wrap in tracebacks."""
        if refusal := development_serving.development_key_refusal(self):
            raise SystemExit(refusal)
        if exposure := development_serving.development_key_exposure(self, host or "127.0.0.1"):
            self.logger.warning(exposure)
        super().run(host, *args, **kwargs)

    async def startup(self) -> None:
        """Refuse to serve what must not be (the development key in production), then start.

        Under any server: the refusal is the lifespan's failure, its message one line, so
        that no server serves on (uvicorn would if the lifespan raised anything else).
        """
        if refusal := development_serving.development_key_refusal(self):
            raise StartupError(refusal)
        await super().startup()

    async def handle_request(self, request: Request) -> ResponseTypes:
        """Answer the request as Quart does, in its span when tracing (the probes in none)."""
        tracing = tracing_of(self)
        if tracing is None or request.path in tracing.untraced:
            return await self._answer(request)
        with tracing.server_span(request) as span:
            response = await self._answer(request)
            tracing.answered(span, request.method, route_of(request), response.status_code)
            return response

    async def _answer(self, request: Request) -> ResponseTypes:
        """Answer the request as Quart does, then count it and write its log line."""
        started = cast(JSONRequest, request).started = time.perf_counter()
        recorder: metrics.RequestMetrics = self.extensions[metrics.EXTENSION_KEY]
        recorder.in_progress.inc()
        try:
            response = await super().handle_request(request)
        except asyncio.CancelledError:
            stopping = readiness_of(self).draining
            request_log.write_unanswered(self, request, time.perf_counter() - started, stopping)
            raise
        finally:
            recorder.in_progress.dec()
        standing = cast(JSONRequest, request).rate_limit
        limiter = self.extensions[gate.EXTENSION_KEY].limiter
        if standing is not None and limiter is not None:
            response.headers.extend(limiter.headers(standing))
        allowed: cors.Cors | None = self.extensions.get(cors.EXTENSION_KEY)
        if allowed is not None:
            allowed.add_headers(request, cast(Response, response))
        apply_cache_policy(
            self.view_functions.get(request.endpoint or ""), cast(Response, response)
        )
        seconds = time.perf_counter() - started
        method, route = method_label(request.method), route_of(request)
        recorder.observe(method, route, response.status_code, seconds)
        log: request_log.RequestLog = self.extensions[request_log.EXTENSION_KEY]
        request_id = current_request_id() or ""
        log.write(request, request_id, method, route, response.status_code, seconds)
        return response

    async def preprocess_request(
        self, request_context: RequestContext | None = None
    ) -> ResponseReturnValue | None:
        """Pass the request through the gate, then run the before-request hooks, as Quart does.

        The gate comes first, so that no hook of the service runs for a caller it refuses.
        Requests Quart answers itself (no route: 404 or 405; OPTIONS) skip the gate.
        """
        request = cast(JSONRequest, (request_context or request_ctx).request)
        rule = request.url_rule
        if rule is not None and not (
            request.method == "OPTIONS" and rule.provide_automatic_options
        ):
            await self.extensions[gate.EXTENSION_KEY].admit(request, rule.endpoint)
        return await super().preprocess_request(request_context)

    async def preprocess_websocket(
        self, websocket_context: WebsocketContext | None = None
    ) -> ResponseReturnValue | None:
        """Pass the WebSocket through the gate, then its caller's cap, then run the hooks."""
        websocket = cast(ServiceWebsocket, (websocket_context or websocket_ctx).websocket)
        rule = websocket.url_rule
        if rule is not None:
            await self.extensions[gate.EXTENSION_KEY].admit(websocket, rule.endpoint)
            self.extensions[websocket_bounds.EXTENSION_KEY].hold(self, websocket)
        return await super().preprocess_websocket(websocket_context)

    async def handle_websocket(self, websocket: Websocket) -> ResponseTypes | None:
        """Handle the WebSocket as Quart does, counted, measured and logged (websocket_path.py)."""
        handle = super().handle_websocket
        return await websocket_path.handled(self, cast(ServiceWebsocket, websocket), handle)

    async def make_response(
        self, result: ResponseReturnValue | HTTPException | BaseModel | tuple[Any, ...]
    ) -> ResponseTypes:
        """The response for `result`: a model, alone or first in a tuple, is sent as JSON."""
        made = model_response(self, result)
        if made is not None:
            return made
        return await super().make_response(cast(ResponseReturnValue, result))

    async def make_default_options_response(self) -> Response:
        """204 No Content with the Allow header, and no Content-* headers for a body there isn't.

        A CORS preflight gets what its origin may do, or 403 when its origin is not allowed.
        """
        response = without_body(await super().make_default_options_response())
        return cors.options_answer(self, cast(JSONRequest, request_ctx.request), response)
