"""Request and response validation against pydantic models, with errors that name each field.

A request body is judged as JSON Schema judges it, so that the served OpenAPI document and the
behaviour agree: strict on types (true is not an integer, "1" is not a number) and lenient where
JSON Schema is (2.0 is an integer). Query strings are text, so their values are converted.
A body or query string that breaks its model gets a 422 problem with one entry per error.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import cache, wraps
from typing import Annotated, Any, ParamSpec, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from quart import Quart, Response, request
from quart_schema import DataSource, validate_querystring
from quart_schema.validation import (
    QUART_SCHEMA_REQUEST_ATTRIBUTE,
    QUART_SCHEMA_RESPONSE_ATTRIBUTE,
    QuerystringValidationError,
    RequestSchemaValidationError,
    ResponseSchemaValidationError,
)

from ..http.model import Model
from ..http.problems import problem_response

__all__ = [
    "Model",
    "PlainText",
    "Query",
    "init_app",
    "validate_querystring",
    "validate_request",
    "validate_response",
]

P = ParamSpec("P")
R = TypeVar("R")


# Text that a database can store: JSON allows NUL characters, which PostgreSQL refuses.
PlainText = Annotated[str, Field(pattern=r"^[^\x00]*$")]


class Query(BaseModel):
    """Base of query-string models: parameters they do not name are ignored, as caches add some."""

    model_config = ConfigDict(extra="ignore")


def init_app(app: Quart) -> None:
    """Answer a body or query string that breaks its model with a 422 naming each field."""
    app.register_error_handler(RequestSchemaValidationError, validation_problem)


def validate_request(
    model_class: type[BaseModel],
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Validate the JSON body against `model_class` and pass it to the view as `data`.

    It replaces quart-schema's decorator of the same name, which converts "1" to 1 and true to 1,
    where the published JSON Schema refuses both.
    """

    def decorator(view: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @wraps(view)
        async def validated(*args: P.args, **kwargs: P.kwargs) -> R:
            body = _integral_floats_as_ints(await request.get_json())
            # Strict, as JSON: JSON's own types only, and dates, times and UUIDs in the strings
            # JSON carries them in, which strict Python-mode validation refuses. The dump that
            # JSON mode needs costs 2.3 us for a two-field body (3.2 against 0.9): about 1% of
            # a request. The body was parsed first for the checks pydantic lacks (depth, NaN,
            # duplicate keys, 1.0 for 1).
            try:
                data = adapter_of(model_class).validate_json(json.dumps(body), strict=True)
            except ValidationError as error:
                raise RequestSchemaValidationError(error) from None
            kwargs["data"] = data
            return await view(*args, **kwargs)

        setattr(validated, QUART_SCHEMA_REQUEST_ATTRIBUTE, (model_class, DataSource.JSON))
        return validated

    return decorator


def validate_response(
    model_class: type[BaseModel], status_code: int = 200
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[Any]]]:
    """Check that a `status_code` answer of the view is a `model_class`, and document it so.

    The view returns the model (alone, or first in a tuple with the status and headers), or data
    that validates as one; the app sends it as JSON. Data that does not validate is the view's
    mistake: a 500, the reason in the log. It replaces quart-schema's decorator of the same
    name, which looks up the app and its configuration twice a request.
    """

    # The view's type is Any to Quart's route(), which does not know that it may return a model.
    def decorator(view: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[Any]]:
        @wraps(view)
        async def validated(*args: P.args, **kwargs: P.kwargs) -> Any:
            result: Any = await view(*args, **kwargs)
            value, status = result, 200
            if isinstance(result, tuple):
                value, status = result[0], result[1] if isinstance(result[1], int) else 200
            if status != status_code or type(value) is model_class or isinstance(value, Response):
                return result
            try:
                model = adapter_of(model_class).validate_python(value)
            except ValidationError as error:
                raise ResponseSchemaValidationError(error) from None
            return (model, *result[1:]) if isinstance(result, tuple) else model

        schemas = getattr(view, QUART_SCHEMA_RESPONSE_ATTRIBUTE, {})
        setattr(
            validated,
            QUART_SCHEMA_RESPONSE_ATTRIBUTE,
            {**schemas, status_code: (model_class, None)},
        )
        return validated

    return decorator


@cache
def adapter_of(model_class: type[BaseModel]) -> TypeAdapter[BaseModel]:
    """The validator of `model_class`, built on first use: at import it slows every start."""
    return TypeAdapter(model_class)


async def validation_problem(error: RequestSchemaValidationError) -> Response:
    """A 422 problem whose `errors` name each offending field (a JSON pointer) and why."""
    in_query = isinstance(error, QuerystringValidationError)
    cause = error.validation_error
    if not isinstance(cause, ValidationError):
        raise cause  # a model pydantic cannot validate: the view's mistake, so a 500
    errors = [_error_entry(detail, in_query=in_query) for detail in cause.errors()]
    where = "query string" if in_query else "request body"
    count = f"{len(errors)} error" + ("s" if len(errors) > 1 else "")
    return problem_response(
        422,
        "Unprocessable Content",
        f"The {where} does not match the schema ({count}); see errors.",
        extra={"errors": errors},
    )


def _error_entry(detail: Any, *, in_query: bool) -> dict[str, str]:
    """One error as RFC 9457 suggests: `pointer` into the body, or the query `parameter`."""
    location = [str(part) for part in detail["loc"]]
    if in_query:
        return {"parameter": ".".join(location), "detail": detail["msg"]}
    escaped = (part.replace("~", "~0").replace("/", "~1") for part in location)
    return {"pointer": "#/" + "/".join(escaped) if location else "#", "detail": detail["msg"]}


def _integral_floats_as_ints(value: Any) -> Any:
    """Write 2.0 as 2: an integer to JSON Schema, but not to pydantic's strict mode."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral_floats_as_ints(item) for item in value]
    if isinstance(value, dict):
        return {key: _integral_floats_as_ints(item) for key, item in value.items()}
    return value
