"""The OpenAPI document: generated from the views, complete, and the same as the snapshot."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from quart import Blueprint, Quart
from quart_schema.openapi import QUART_SCHEMA_HIDDEN_ATTRIBUTE
from quart_schema.validation import (
    QUART_SCHEMA_QUERYSTRING_ATTRIBUTE,
    QUART_SCHEMA_REQUEST_ATTRIBUTE,
    QUART_SCHEMA_RESPONSE_ATTRIBUTE,
)

from .... import __version__
from .... import create_app as create_service_app
from ...api.validation import (
    Model,
    Query,
    validate_querystring,
    validate_request,
    validate_response,
)
from ...http.access import public
from ...identity import SERVICE
from ...testing.service import PROJECT
from ..plumbing import create_app

SNAPSHOT = PROJECT / "openapi.json"
UNDOCUMENTED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def service_app() -> Quart:
    """The service's own app, its views included: what the policies below hold of."""
    return create_service_app({"TESTING": True})


@pytest.fixture
async def service_spec(service_app: Quart) -> dict[str, Any]:
    """The OpenAPI document the service's own app serves."""
    response = await service_app.test_client().get("/openapi.json")
    document: dict[str, Any] = await response.get_json()
    return document


def documented_rules(app: Quart) -> list[Any]:
    """The URL rules the document must describe: all but quart-schema's own and WebSockets.

    OpenAPI describes HTTP operations; a WebSocket is none (docs/api.md says so).
    """
    return [
        rule
        for rule in app.url_map.iter_rules()
        if not rule.websocket
        and not getattr(app.view_functions[rule.endpoint], QUART_SCHEMA_HIDDEN_ATTRIBUTE, False)
    ]


async def test_the_served_document_matches_the_committed_snapshot(
    service_spec: dict[str, Any],
) -> None:
    """Any change to the API shows up in review as a change to openapi.json."""
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert service_spec == committed, (
        "The API differs from openapi.json. If the change is meant, run `make spec` and commit"
        " the new openapi.json with it."
    )


async def test_every_route_has_a_summary_and_documented_responses(
    service_app: Quart, service_spec: dict[str, Any]
) -> None:
    """Policy: each operation of each route is summarised and documents a success and a 500."""
    spec = service_spec
    for rule in documented_rules(service_app):
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - UNDOCUMENTED_METHODS):
            operation = spec["paths"].get(path, {}).get(method.lower())
            where = f"{method} {rule.rule} ({rule.endpoint})"
            assert operation is not None, f"{where} is missing from the OpenAPI document"
            assert operation.get("summary"), f"{where} has no summary: give its view a docstring"
            statuses = set(operation["responses"])
            assert any(status.startswith("2") for status in statuses), (
                f"{where} documents no success response: decorate it with validate_response"
            )
            assert "500" in statuses, f"{where} does not document its 500"


async def test_every_model_has_a_name_of_its_own(service_app: Quart) -> None:
    """Policy: two models with one name would share one schema in the document, wrongly."""
    models: set[type[BaseModel]] = set()
    for view in service_app.view_functions.values():
        if request := getattr(view, QUART_SCHEMA_REQUEST_ATTRIBUTE, None):
            models.add(request[0])
        if query := getattr(view, QUART_SCHEMA_QUERYSTRING_ATTRIBUTE, None):
            models.add(query)
        for model, _headers in getattr(view, QUART_SCHEMA_RESPONSE_ATTRIBUTE, {}).values():
            models.add(model)
    names = Counter(model.__name__ for model in models)
    assert [name for name, count in names.items() if count > 1] == []


async def test_operation_ids_are_unique(service_spec: dict[str, Any]) -> None:
    """OpenAPI requires it, and client generators name their methods after them."""
    ids = Counter(
        operation["operationId"]
        for operations in service_spec["paths"].values()
        for operation in operations.values()
    )
    assert [operation_id for operation_id, count in ids.items() if count > 1] == []


async def test_the_document_names_the_service_and_its_version(spec: dict[str, Any]) -> None:
    """The info names the app and its package version, and says how errors look."""
    assert spec["openapi"] == "3.1.0"
    assert spec["info"]["title"] == SERVICE
    assert spec["info"]["version"] == __version__
    assert "RFC 9457" in spec["info"]["description"]


async def test_readiness_documents_its_503_and_metrics_its_text(spec: dict[str, Any]) -> None:
    """Responses a view gives itself, and those that are not JSON, are documented too."""
    readyz = spec["paths"]["/readyz"]["get"]["responses"]
    assert readyz["503"] == {"$ref": "#/components/responses/ServiceUnavailable"}
    metrics = spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert set(metrics) == {"text/plain", "application/openmetrics-text"}


class Thing(Model):
    """A thing."""

    name: str


things = Blueprint("things", __name__)


@things.put("/things/<int:thing_id>")
@public
@validate_request(Thing)
@validate_response(Thing)
async def replace_thing(thing_id: int, data: Thing) -> Thing:
    """Replace a thing."""
    return data


class Search(Query):
    """What to look for."""

    name: str = ""


@things.get("/things")
@public
@validate_querystring(Search)
@validate_response(Thing)
async def find_thing(query_args: Search) -> Thing:
    """Find a thing."""
    return Thing(name=query_args.name)


async def test_a_route_with_a_body_and_a_path_parameter_documents_its_problems() -> None:
    """Its body is required, and 400, 404, 408, 413, 415, 422 and 500 are problem responses."""
    app = create_app({"TESTING": True})
    app.register_blueprint(things)
    response = await app.test_client().get("/openapi.json")
    operation = (await response.get_json())["paths"]["/things/{thing_id}"]["put"]
    assert operation["requestBody"]["required"] is True
    assert set(operation["responses"]) == {"200", "400", "404", "408", "413", "415", "422", "500"}
    assert operation["responses"]["422"] == {"$ref": "#/components/responses/UnprocessableContent"}


async def test_a_route_with_a_query_model_documents_its_parameters_and_422() -> None:
    """Each field of the query model is a parameter; a bad value's 422 is documented."""
    app = create_app({"TESTING": True})
    app.register_blueprint(things)
    response = await app.test_client().get("/openapi.json")
    operation = (await response.get_json())["paths"]["/things"]["get"]
    assert [parameter["name"] for parameter in operation["parameters"]] == ["name"]
    assert set(operation["responses"]) == {"200", "422", "500"}


async def test_operations_are_grouped_by_blueprint_and_the_probes_come_last(
    service_app: Quart, service_spec: dict[str, Any]
) -> None:
    """/docs lists each blueprint's operations under its name, core's probes after the service's."""
    names = [tag["name"] for tag in service_spec["tags"]]
    assert names[-1] == "probes"
    assert names[:-1] == sorted(names[:-1])
    for rule in documented_rules(service_app):
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        blueprint = rule.endpoint.rpartition(".")[0].lstrip("_")
        for operation in service_spec["paths"][path].values():
            assert operation["tags"] == [blueprint], rule.rule
            assert blueprint in names


def test_quart_openapi_writes_the_document_as_make_spec_commits_it(tmp_path: Path) -> None:
    """`quart openapi --output FILE` (make spec): the served document, indented, one newline."""
    app = create_service_app()
    output = tmp_path / "openapi.json"
    result = app.test_cli_runner().invoke(args=["openapi", "--output", str(output)])
    assert result.exit_code == 0, result.output
    text = output.read_text()
    assert text.endswith("}\n")
    assert json.loads(text) == json.loads((PROJECT / "openapi.json").read_text())
