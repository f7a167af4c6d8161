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

from pydantic import BaseModel
from quart import Quart, Request, Response
from quart.typing import ResponseReturnValue, ResponseTypes
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType

from . import logs, metrics
from .json_provider import ORJSONProvider
from .request_ids import HEADER, assign_request_id, sent_request_id
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


class ServiceApp(Quart):
    """Quart that identifies, logs, counts and secures every request, and answers only JSON.

    A view may return a pydantic model, alone or first in a tuple, and it is sent as JSON.
    OPTIONS is answered with 204 and no body, where Quart sends a 200 labelled text/html.
    """

    request_class = JSONRequest
    json_provider_class = ORJSONProvider

    async def handle_request(self, request: Request) -> ResponseTypes:
        """Answer the request as Quart does, then record it and add the common headers."""
        started = time.perf_counter()
        request_id = assign_request_id(sent_request_id(request.scope["headers"]))
        recorder: metrics.RequestMetrics = self.extensions[metrics.EXTENSION_KEY]
        recorder.in_progress.inc()
        try:
            response = await super().handle_request(request)
        finally:
            recorder.in_progress.dec()
        seconds = time.perf_counter() - started
        response.headers.add(HEADER, request_id)
        add_security_headers(response.headers)
        method, route = method_of(request), route_of(request)
        recorder.observe(method, route, response.status_code, seconds)
        log: logs.RequestLog = self.extensions[logs.EXTENSION_KEY]
        log.write(request, request_id, method, route, response.status_code, seconds)
        return response

    async def make_response(
        self, result: ResponseReturnValue | HTTPException | BaseModel | tuple[BaseModel, ...]
    ) -> ResponseTypes:
        """Quart's response for `result`, a model first turned into JSON types."""
        if isinstance(result, BaseModel):
            result = result.model_dump(mode="json")
        elif isinstance(result, tuple) and isinstance(result[0], BaseModel):
            result = cast(ResponseReturnValue, (result[0].model_dump(mode="json"), *result[1:]))
        return await super().make_response(result)

    async def make_default_options_response(self) -> Response:
        """204 No Content with the Allow header, and no Content-* headers for a body there isn't."""
        response = await super().make_default_options_response()
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
