"""The OpenAPI document, generated from the views by quart-schema (api_docs.py serves it).

Each operation's summary is its view's docstring; its responses are the models it validates
against plus the problem documents it can answer with, added here from what the route does: a
JSON body can be malformed, too large or invalid, a path parameter can match nothing, a
protected route can refuse a token or lack its keys, a limited one can say 429, and any route
can fail. A protected operation's `security` names the bearer scheme and the scopes it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter
from quart import Quart
from quart_schema import QuartSchema
from quart_schema.openapi import OpenAPIProvider
from quart_schema.validation import (
    QUART_SCHEMA_QUERYSTRING_ATTRIBUTE,
    QUART_SCHEMA_REQUEST_ATTRIBUTE,
    DataSource,
)
from werkzeug.routing import Rule

from .. import __version__
from .access import access_of, is_limited
from .errors import PROBLEM_CONTENT_TYPE

PROBLEMS_ATTRIBUTE = "documented_problems"
MEDIA_ATTRIBUTE = "documented_media"
SCHEMA_REF = "#/components/schemas/{model}"

View = TypeVar("View", bound=Callable[..., object])


class Problem(BaseModel):
    """An RFC 9457 problem document; a 5xx names its request id, to quote when reporting it."""

    type: str
    title: str
    status: int
    detail: str
    request_id: str | None = None


class FieldError(BaseModel):
    """One reason a body or query string was refused: where (`pointer` or `parameter`), and why."""

    detail: str
    pointer: str | None = None
    parameter: str | None = None


class ValidationProblem(Problem):
    """A problem listing each field that does not match the schema."""

    errors: list[FieldError]


class ConflictProblem(Problem):
    """A problem naming the fields whose values conflict with another item."""

    fields: list[str]


# Each problem status: its name under components/responses, what it means here, its schema.
PROBLEMS: dict[int, tuple[str, str, type[Problem]]] = {
    400: ("BadRequest", "The body is not valid JSON.", Problem),
    401: (
        "Unauthorized",
        "No bearer token, or one that does not verify; WWW-Authenticate says which.",
        Problem,
    ),
    403: ("Forbidden", "The token does not grant a scope this route requires.", Problem),
    404: ("NotFound", "Nothing matches this path.", Problem),
    405: (
        "MethodNotAllowed",
        "The path does not answer this method; the Allow header lists those it does.",
        Problem,
    ),
    408: ("RequestTimeout", "The body did not arrive within BODY_TIMEOUT seconds.", Problem),
    413: ("ContentTooLarge", "The body is larger than MAX_CONTENT_LENGTH bytes.", Problem),
    409: (
        "Conflict",
        "The item conflicts with another, or refers to one that does not exist; `fields` says which.",
        ConflictProblem,
    ),
    415: ("UnsupportedMediaType", "The body was not sent as application/json.", Problem),
    422: (
        "UnprocessableContent",
        "The body or query string does not match the schema; `errors` says where.",
        ValidationProblem,
    ),
    429: (
        "TooManyRequests",
        "Over the rate limit; Retry-After says when to try again.",
        Problem,
    ),
    500: ("InternalServerError", "The server failed; the request id is in its logs.", Problem),
    502: ("BadGateway", "A service this one called failed; `downstream` names it.", Problem),
    503: (
        "ServiceUnavailable",
        "The service cannot take this request now (Retry-After says when to try again).",
        Problem,
    ),
    504: ("GatewayTimeout", "A service this one called did not answer in time.", Problem),
}
BODY_PROBLEMS = (400, 408, 413, 415, 422)
SECURITY_SCHEME = "bearer"

DESCRIPTION = (
    "Every error is an RFC 9457 problem document (application/problem+json). A path answers a"
    " method it does not list with 405 and an Allow header, and an unknown path with 404."
)


def init_app(app: Quart) -> None:
    """Generate the OpenAPI document (api_docs.py serves it and the UI, not quart-schema)."""
    QuartSchema(
        app,
        info={"title": app.name, "version": __version__, "description": DESCRIPTION},
        openapi_path=None,
        security_schemes={
            SECURITY_SCHEME: {"type": "http", "scheme": "bearer", "bearer_format": "JWT"}
        },
        openapi_provider_class=ServiceOpenAPIProvider,
    )
    # QuartSchema swaps in a JSON provider of its own, and wraps make_response to pass every
    # response through pydantic, at about 20 µs for a dict. The service keeps
    # its orjson provider, and JSONApp.make_response turns models into JSON itself.
    app.json = app.json_provider_class(app)
    del app.make_response


def problems(*statuses: int) -> Callable[[View], View]:
    """Document the problem statuses a view answers with itself, beyond those its route implies."""

    def decorator(view: View) -> View:
        setattr(view, PROBLEMS_ATTRIBUTE, statuses)
        return view

    return decorator


def media_response(status: int, description: str, *media_types: str) -> Callable[[View], View]:
    """Document a response that is not JSON, such as text, as a string in each media type."""

    def decorator(view: View) -> View:
        setattr(view, MEDIA_ATTRIBUTE, {status: (description, media_types)})
        return view

    return decorator


def problem_statuses(rule: Rule, view: Callable[..., object], limited: bool) -> list[int]:
    """The problem statuses an operation can answer with, from what its route and view do.

    `limited`: whether the service has a rate limit.
    """
    statuses = {500, *getattr(view, PROBLEMS_ATTRIBUTE, ())}
    access = access_of(view)
    if access is not None and not access.public:
        statuses.update((401, 503))
        if access.scopes:
            statuses.add(403)
    if limited and is_limited(view):
        statuses.add(429)
    if rule.arguments:
        statuses.add(404)
    request_body = getattr(view, QUART_SCHEMA_REQUEST_ATTRIBUTE, None)
    if request_body is not None and request_body[1] == DataSource.JSON:
        statuses.update(BODY_PROBLEMS)
    if getattr(view, QUART_SCHEMA_QUERYSTRING_ATTRIBUTE, None) is not None:
        statuses.add(422)
    return sorted(statuses)


class ServiceOpenAPIProvider(OpenAPIProvider):
    """quart-schema's generator, adding problem responses, media responses and required bodies."""

    def schema(self) -> dict[str, Any]:
        """The whole document, with the problem responses every operation refers to."""
        document = super().schema()
        components = document["components"]
        components["schemas"].update(_problem_schemas())
        components["responses"] = {
            _response_name(status): _problem_response(status) for status in PROBLEMS
        }
        return document

    def build_paths(self, rule: Rule) -> tuple[dict[str, Any], dict[str, Any]]:
        """The rule's operations, each with the problem and media responses that apply."""
        paths, components = super().build_paths(rule)
        view = self._app.view_functions[rule.endpoint]
        limited = self._app.config["RATE_LIMIT"] is not None
        extra: dict[int, Any] = {
            status: {"$ref": f"#/components/responses/{_response_name(status)}"}
            for status in problem_statuses(rule, view, limited)
        }
        access = access_of(view)
        for status, (description, media_types) in getattr(view, MEDIA_ATTRIBUTE, {}).items():
            content = {media_type: {"schema": {"type": "string"}} for media_type in media_types}
            extra[status] = {"description": description, "content": content}
        for operations in paths.values():
            for operation in operations.values():
                operation["responses"] = {**operation["responses"], **extra}
                if access is not None and not access.public:
                    operation["security"] = [{SECURITY_SCHEME: sorted(access.scopes)}]
                if not operation.get("description"):
                    del operation["description"]  # a docstring of one line: the summary says it
        return paths, components

    def build_request_body(
        self, model: type[Any], source: DataSource
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The request body, marked required: a view that validates one cannot do without it."""
        request_body, definitions = super().build_request_body(model, source)
        return {**request_body, "required": True}, definitions


def _problem_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in (Problem, FieldError, ValidationProblem, ConflictProblem):
        schema = TypeAdapter(model).json_schema(ref_template=SCHEMA_REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def _problem_response(status: int) -> dict[str, Any]:
    _, description, model = PROBLEMS[status]
    schema = {"$ref": SCHEMA_REF.format(model=model.__name__)}
    return {"description": description, "content": {PROBLEM_CONTENT_TYPE: {"schema": schema}}}


def _response_name(status: int) -> str:
    return PROBLEMS[status][0]
