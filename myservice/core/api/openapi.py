"""The OpenAPI document, generated from the views by quart-schema (docs.py serves it).

Each operation's summary is its view's docstring; its responses are the models it validates
against plus the problem documents it can answer with, added here from what the route does: a
JSON body can be malformed, too large or invalid, a path parameter can match nothing, a
protected route can refuse a token or lack its keys, a limited one can say 429, and any route
can fail. A protected operation's `security` names the bearer scheme and the scopes it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from quart import Quart, current_app
from quart.cli import with_appcontext
from quart_schema import QuartSchema
from quart_schema.openapi import OpenAPIProvider
from quart_schema.validation import (
    QUART_SCHEMA_QUERYSTRING_ATTRIBUTE,
    QUART_SCHEMA_REQUEST_ATTRIBUTE,
    DataSource,
)
from werkzeug.routing import Rule

from ..http.access import access_of, is_limited
from ..http.routes import View
from ..http.service import service_of
from . import entity_tags, idempotency_key
from .problem_schemas import (
    BODY_PROBLEMS,
    PROBLEMS,
    problem_response_object,
    problem_schemas,
    response_name,
)

EXTENSION_KEY = __name__
PROBLEMS_ATTRIBUTE = "documented_problems"
MEDIA_ATTRIBUTE = "documented_media"

SECURITY_SCHEME = "bearer"
# The tags of core's own operations, listed after the service's.
CORE_TAGS = {"probes": "Liveness, readiness and metrics, for the orchestrator and Prometheus."}

DESCRIPTION = (
    "Every error is an RFC 9457 problem document (application/problem+json). A path answers a"
    " method it does not list with 405 and an Allow header, and an unknown path with 404."
)


def init_app(app: Quart) -> None:
    """Generate the OpenAPI document with quart-schema's generator (docs.py serves it and the UI).

    Of quart-schema the service takes the generator and the validation decorators, and not its
    init_app: that would swap in a JSON provider of its own, pass every response through
    pydantic (about 20 µs for a dict) and wrap the test client and WebSocket classes, all of which
    the service does itself. The generator and the querystring decorator read the three settings
    below, set as init_app would set them.
    """
    schema = QuartSchema(
        info={"title": app.name, "version": service_of(app).version, "description": DESCRIPTION},
        openapi_path=None,
        security_schemes={
            SECURITY_SCHEME: {"type": "http", "scheme": "bearer", "bearer_format": "JWT"}
        },
        openapi_provider_class=ServiceOpenAPIProvider,
    )
    app.config.setdefault("QUART_SCHEMA_CONVERT_CASING", schema.convert_casing)
    app.config.setdefault("QUART_SCHEMA_CONVERSION_PREFERENCE", schema.conversion_preference)
    app.config.setdefault("QUART_SCHEMA_PYDANTIC_DUMP_OPTIONS", schema.pydantic_dump_options)
    app.extensions[EXTENSION_KEY] = ServiceOpenAPIProvider(app, schema)
    app.cli.add_command(openapi_command)


def document_of(app: Quart) -> dict[str, Any]:
    """The app's OpenAPI document, as generated now."""
    provider: ServiceOpenAPIProvider = app.extensions[EXTENSION_KEY]
    return provider.schema()


@click.command("openapi")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def openapi_command(output: Path) -> None:
    """Write the OpenAPI document of the service's routes to OUTPUT."""
    output.write_text(current_app.json.dumps(document_of(current_app), indent=2) + "\n")


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
    statuses |= entity_tags.problem_statuses(view, set(rule.methods or ()))
    statuses |= idempotency_key.problem_statuses(view)
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


def tag_of(endpoint: str) -> str:
    """The tag of an operation: its blueprint's name (core's start with _, which goes)."""
    blueprint, _, _ = endpoint.rpartition(".")
    return (blueprint or "default").lstrip("_")


class ServiceOpenAPIProvider(OpenAPIProvider):
    """quart-schema's generator, adding problem responses, media responses and required bodies."""

    def schema(self) -> dict[str, Any]:
        """The whole document, with the problem responses every operation refers to."""
        document = super().schema()
        components = document["components"]
        components["schemas"].update(problem_schemas())
        components["responses"] = {
            response_name(status): problem_response_object(status) for status in PROBLEMS
        }
        # /docs groups the operations by tag, in this order: the service's, then core's probes.
        named = {
            tag
            for operations in document["paths"].values()
            for operation in operations.values()
            for tag in operation.get("tags", ())
        }
        document["tags"] = [{"name": name} for name in sorted(named - CORE_TAGS.keys())] + [
            {"name": name, "description": CORE_TAGS[name]} for name in CORE_TAGS if name in named
        ]
        return document

    def build_paths(self, rule: Rule) -> tuple[dict[str, Any], dict[str, Any]]:
        """The rule's operations, each with the problem and media responses that apply."""
        paths, components = super().build_paths(rule)
        view = self._app.view_functions[rule.endpoint]
        limited = self._app.config["RATE_LIMIT"] is not None
        extra: dict[int, Any] = {
            status: {"$ref": f"#/components/responses/{response_name(status)}"}
            for status in problem_statuses(rule, view, limited)
        }
        access = access_of(view)
        for status, (description, media_types) in getattr(view, MEDIA_ATTRIBUTE, {}).items():
            content = {media_type: {"schema": {"type": "string"}} for media_type in media_types}
            extra[status] = {"description": description, "content": content}
        for operations in paths.values():
            for method, operation in operations.items():
                operation["responses"] = {**operation["responses"], **extra}
                entity_tags.document(view, method, operation)
                idempotency_key.document(view, operation)
                if access is not None and not access.public:
                    operation["security"] = [{SECURITY_SCHEME: sorted(access.scopes)}]
                operation["tags"] = [tag_of(rule.endpoint)]
                if not operation.get("description"):
                    # A docstring of one line, or none: the summary says it, if anything.
                    operation.pop("description", None)
        return paths, components

    def build_request_body(
        self, model: type[Any], source: DataSource
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The request body, marked required: a view that validates one cannot do without it."""
        request_body, definitions = super().build_request_body(model, source)
        return {**request_body, "required": True}, definitions
