"""The problem documents as the OpenAPI document describes them: models, and what each status means.

Every operation refers to these by name under components/responses (openapi.py adds the ones
that apply); the service's answers are the documents that http/problems.py writes.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, TypeAdapter

from ..http.problems import PROBLEM_CONTENT_TYPE

SCHEMA_REF = "#/components/schemas/{model}"


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
    412: (
        "PreconditionFailed",
        "If-Match no longer names the item: it has changed since it was read.",
        Problem,
    ),
    415: ("UnsupportedMediaType", "The body was not sent as application/json.", Problem),
    422: (
        "UnprocessableContent",
        "The body or query string does not match the schema; `errors` says where.",
        ValidationProblem,
    ),
    428: (
        "PreconditionRequired",
        "A write must send If-Match with the item's ETag (REQUIRE_IF_MATCH is on).",
        Problem,
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


def problem_schemas() -> dict[str, Any]:
    """The JSON schemas of the problem documents, for components/schemas."""
    schemas: dict[str, Any] = {}
    for model in (Problem, FieldError, ValidationProblem, ConflictProblem):
        schema = TypeAdapter(model).json_schema(ref_template=SCHEMA_REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def problem_response_object(status: int) -> dict[str, Any]:
    """The response a problem status refers to under components/responses."""
    _, description, model = PROBLEMS[status]
    schema = {"$ref": SCHEMA_REF.format(model=model.__name__)}
    return {"description": description, "content": {PROBLEM_CONTENT_TYPE: {"schema": schema}}}


def response_name(status: int) -> str:
    """The name of a problem status's response under components/responses: NotFound."""
    return PROBLEMS[status][0]
