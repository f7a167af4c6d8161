"""The app class: Quart that takes each request along the path request_path.py declares.

The path's steps run around Quart's own request handling rather than in before/after-request
hooks: the hooks and the context-local proxies they read cost about as much as the rest of a
request (`make bench` measured it), and this way no response, error pages included, escapes
any of it. The gate alone runs inside Quart, where the request has its route.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, Scope
from pydantic import BaseModel
from quart import Quart, Request, Response, Websocket
from quart.ctx import RequestContext, WebsocketContext
from quart.globals import request_ctx, websocket_ctx
from quart.typing import ResponseReturnValue, ResponseTypes
from werkzeug.exceptions import HTTPException

from . import request_path
from .callers import cors, development_serving, gate, websocket_bounds
from .http.connection import ServiceHTTPConnection
from .http.json_provider import ORJSONProvider
from .http.layers import Answer, ASGIApp, Handling, stacked
from .http.request import JSONRequest, ServiceWebsocket
from .http.responses import model_response, without_body
from .identity import StartupError


class ServiceApp(Quart):
    """Quart that identifies, logs, counts and secures every request, and answers only JSON.

    A view may return a pydantic model, alone or first in a tuple, and it is sent as JSON.
    OPTIONS is answered with 204 and no body, where Quart sends a 200 labelled text/html.
    """

    asgi_http_class = ServiceHTTPConnection
    request_class = JSONRequest
    websocket_class = ServiceWebsocket
    json_provider_class = ORJSONProvider

    async def asgi_app(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Take each request and WebSocket through the layers; the lifespan goes straight in."""
        if scope["type"] == "lifespan":
            await super().asgi_app(scope, receive, send)
        else:
            await self._layers(scope, receive, send)

    @cached_property
    def _layers(self) -> ASGIApp:
        quart: ASGIApp = super().asgi_app
        return stacked(request_path.LAYERS, quart, self)

    @cached_property
    def _around_each_request(self) -> Answer:
        quart: Answer = super().handle_request
        return stacked(request_path.AROUND_EACH_REQUEST, quart, self)

    @cached_property
    def _around_each_websocket(self) -> Handling:
        quart: Handling = super().handle_websocket
        return stacked(request_path.AROUND_EACH_WEBSOCKET, quart, self)

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
        """Answer the request as Quart does, inside the links around each request."""
        return await self._around_each_request(request)

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
        """Handle the WebSocket as Quart does, inside the links around each WebSocket."""
        return await self._around_each_websocket(websocket)

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
