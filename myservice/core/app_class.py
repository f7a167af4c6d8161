"""The app and request classes: the path of every request, top to bottom, in one place.

ServiceApp answers as Quart does, and around that gives each request its id, its log line, its
metrics and the security headers. It does so around Quart's own request handling rather than in
before/after-request hooks: the hooks and the context-local proxies they read cost about as much
as the rest of a request (`make bench` measured it), and this way no response, error pages
included, escapes any of it.
"""

from __future__ import annotations

import math
import time
from typing import Any, NoReturn, cast

from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, ASGISendEvent, Scope
from pydantic import BaseModel
from quart import Quart, Request, Response, current_app
from quart.typing import ResponseReturnValue, ResponseTypes
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType

from . import metrics, request_log
from .json_provider import ORJSONProvider
from .request_ids import HEADER, assign_request_id, current_request_id, sent_request_id
from .security_headers import add_security_headers

UNMATCHED_ROUTE = "unmatched"
OTHER_METHOD = "other"
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)


class JSONRequest(Request):
    """A request whose JSON body is JSON, or the client hears why not.

    Quart's own get_json() returns None for a body sent under a non-JSON Content-Type, lets a
    body that is not UTF-8 or that nests too deeply escape as a 500, and accepts NaN, Infinity and
    1e999, which the service would then echo as invalid JSON.
    """

    async def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """Parse the body as JSON: 415 for a non-JSON Content-Type, 400 for a body that won't parse.

        With silent=True both give None instead, as in Quart.
        """
        if not (force or self.is_json):
            if silent:
                return None
            sent = self.mimetype or "no Content-Type"
            raise UnsupportedMediaType(
                f"Send the body as application/json; this request sent {sent}."
            )
        data = await self.get_data(cache=cache, as_text=False, parse_form_data=False)
        try:
            return self.json_module.loads(
                data.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite_float
            )
        except UnicodeDecodeError as error:
            problem = f"The body is not UTF-8 (bad byte at offset {error.start})."
        except RecursionError:
            problem = "The body's JSON is nested too deeply."
        except ValueError as error:
            problem = f"The body is not valid JSON: {error}."
        if silent:
            return None
        raise BadRequest(problem)

    @property
    def blueprints(self) -> list[str]:
        """The matched endpoint's blueprints, innermost first, as Quart has them.

        Quart asks four times a request; its own property imports its helper each time, which
        `make bench` put at 2% of a request. The answer is kept for the endpoint it is for.
        """
        endpoint = self.endpoint
        if endpoint != self._blueprints_endpoint:
            parts = endpoint.split(".")[:-1] if endpoint else []
            self._blueprints = [".".join(parts[:end]) for end in range(len(parts), 0, -1)]
            self._blueprints_endpoint = endpoint
        return self._blueprints

    _blueprints_endpoint: str | None = None
    _blueprints: list[str] = []  # noqa: RUF012 (replaced, never changed in place)


class ServiceApp(Quart):
    """Quart that identifies, logs, counts and secures every request, and answers only JSON.

    A view may return a pydantic model, alone or first in a tuple, and it is sent as JSON.
    OPTIONS is answered with 204 and no body, where Quart sends a 200 labelled text/html.
    """

    request_class = JSONRequest
    json_provider_class = ORJSONProvider

    async def asgi_app(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Give each HTTP request its id, then answer it; its answer carries the common headers."""
        if scope["type"] != "http":
            await super().asgi_app(scope, receive, send)
            return
        # Set before Quart starts the tasks that answer the request: they inherit it.
        request_id = assign_request_id(sent_request_id(scope["headers"]))
        extra = (HEADER, request_id.encode("ascii"))

        async def send_with_headers(message: ASGISendEvent) -> None:
            if message["type"] == "http.response.start":
                headers = [*message["headers"], extra]
                add_security_headers(headers)
                message["headers"] = headers
            await send(message)

        await super().asgi_app(scope, receive, send_with_headers)

    async def handle_request(self, request: Request) -> ResponseTypes:
        """Answer the request as Quart does, then count it and write its log line."""
        started = time.perf_counter()
        recorder: metrics.RequestMetrics = self.extensions[metrics.EXTENSION_KEY]
        recorder.in_progress.inc()
        try:
            response = await super().handle_request(request)
        finally:
            recorder.in_progress.dec()
        seconds = time.perf_counter() - started
        method, route = method_of(request), route_of(request)
        recorder.observe(method, route, response.status_code, seconds)
        log: request_log.RequestLog = self.extensions[request_log.EXTENSION_KEY]
        request_id = current_request_id() or ""
        log.write(request, request_id, method, route, response.status_code, seconds)
        return response

    async def make_response(
        self, result: ResponseReturnValue | HTTPException | BaseModel | tuple[Any, ...]
    ) -> ResponseTypes:
        """The response for `result`: a model, alone or first in a tuple, is sent as JSON.

        A model's response is built here, in one step; anything else is Quart's to make.
        """
        if isinstance(result, BaseModel):
            return self._json_response(result, 200, None)
        if isinstance(result, tuple) and isinstance(result[0], BaseModel):
            # As Quart reads a tuple: (body, status), (body, headers) or (body, status, headers).
            status, headers = 200, None
            for part in result[1:]:
                if isinstance(part, int):
                    status = part
                else:
                    headers = part
            return self._json_response(result[0], status, headers)
        return await super().make_response(cast(ResponseReturnValue, result))

    def _json_response(self, model: BaseModel, status: int, headers: Any) -> Response:
        response: Response = self.json.response(model.model_dump(mode="json"))  # type: ignore[assignment]
        response.status_code = status
        if headers:
            response.headers.update(headers)
        return response

    async def make_default_options_response(self) -> Response:
        """204 No Content with the Allow header, and no Content-* headers for a body there isn't."""
        return _without_body(await super().make_default_options_response())


def no_content() -> Response:
    """A 204 No Content answer, with no Content-Type or Content-Length for a body there isn't."""
    response: Response = current_app.response_class()
    return _without_body(response)


def _without_body(response: Response) -> Response:
    response.status_code = 204
    del response.headers["Content-Type"]
    del response.headers["Content-Length"]  # RFC 9110 forbids it on a 204
    return response


def route_of(request: Request) -> str:
    """The URL rule the request matched, such as /teams/<int:team_id>, or `unmatched`.

    Clients choose paths freely, so a path never goes into a log field or a metric label as sent.
    """
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED_ROUTE


def method_of(request: Request) -> str:
    """The request's method when it is a standard one, else `other`, for the same reason."""
    method = request.method
    return method if method in KNOWN_METHODS else OTHER_METHOD


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large for a number")
    return value
