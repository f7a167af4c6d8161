"""`make compat`: the contracts compared with a release's, each breaking change named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts import compat
from scripts.contract_changes import Comparison
from scripts.tests.conftest import git

Document = dict[str, Any]


def api(**paths: Any) -> Document:
    """An OpenAPI document of `paths`, with one shared schema to point at."""
    shared = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}
    return {"paths": paths, "components": {"schemas": {"Shared": shared}}}


def answering(properties: dict[str, Any], required: list[str], status: str = "200") -> Document:
    """A GET whose `status` answer is an object of `properties`."""
    schema = {"type": "object", "properties": properties, "required": required}
    return {"get": {"responses": {status: {"content": {"application/json": {"schema": schema}}}}}}


def taking(properties: dict[str, Any], required: list[str]) -> Document:
    """A POST whose body is a closed object of `properties`."""
    schema = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    return {"post": {"requestBody": {"content": {"application/json": {"schema": schema}}}}}


STRING, INTEGER = {"type": "string"}, {"type": "integer"}
NULLABLE = {"anyOf": [{"type": "string"}, {"type": "null"}]}


@pytest.mark.parametrize(
    ("old", "new", "breaking"),
    [
        (api(**{"/a": answering({}, [])}), api(), ["GET /a: removed"]),
        (
            api(**{"/a": answering({"x": STRING}, ["x"])}),
            api(**{"/a": answering({}, [])}),
            ["GET /a 200: field x removed"],
        ),
        (
            api(**{"/a": answering({"x": STRING}, ["x"])}),
            api(**{"/a": answering({"x": INTEGER}, ["x"])}),
            ["GET /a 200.x: may now be integer"],
        ),
        (
            api(**{"/a": answering({"x": STRING}, ["x"])}),
            api(**{"/a": answering({"x": NULLABLE}, [])}),
            ["GET /a 200.x: may now be null", "GET /a 200: field x no longer always there"],
        ),
        (
            api(**{"/a": answering({"s": {"enum": ["new", "paid"]}}, ["s"])}),
            api(**{"/a": answering({"s": {"enum": ["new", "paid", "void"]}}, ["s"])}),
            ['GET /a 200.s: may now be "void"'],
        ),
        (
            api(**{"/a": taking({"x": STRING}, [])}),
            api(**{"/a": taking({"x": STRING}, ["x"])}),
            ["POST /a body: field x now required"],
        ),
        (
            api(**{"/a": taking({"s": {"enum": ["a", "b"]}}, [])}),
            api(**{"/a": taking({"s": {"enum": ["a"]}}, [])}),
            ['POST /a body.s: no longer takes "b"'],
        ),
        (
            api(**{"/a": taking({"x": STRING, "y": STRING}, [])}),
            api(**{"/a": taking({"x": STRING}, [])}),
            ["POST /a body: field y removed"],
        ),
        (
            api(**{"/a": answering({"r": {"$ref": "#/components/schemas/Shared"}}, ["r"])}),
            api(**{"/a": answering({"r": {"type": "object", "properties": {}}}, ["r"])}),
            ["GET /a 200.r: field id removed"],
        ),
    ],
)
def test_a_breaking_change_is_named(old: Document, new: Document, breaking: list[str]) -> None:
    """Each breaking change of an operation, a field, a type or an enum, where it happened."""
    assert list(Comparison(old, new).api()) == breaking


def test_additions_break_nothing() -> None:
    """A new operation, an optional request field, a new answer field, a wider request type."""
    old = api(**{"/a": {**answering({"x": STRING}, ["x"]), **taking({"x": STRING}, [])}})
    new = api(
        **{
            "/a": {
                **answering({"x": STRING, "y": INTEGER}, ["x", "y"]),
                **taking({"x": NULLABLE, "z": STRING}, []),
            },
            "/b": answering({}, []),
        }
    )
    assert list(Comparison(old, new).api()) == []


def test_a_new_required_parameter_breaks_a_new_optional_one_does_not() -> None:
    """A query parameter every old client lacks breaks them; one with a default does not.

    quart-schema leaves `required` out of query parameters: one with no default is required.
    """
    old = api(**{"/a": {"get": {"parameters": []}}})
    required = {"in": "query", "name": "page", "schema": STRING}
    optional = {"in": "query", "name": "sort", "schema": {"type": "string", "default": "name"}}
    new = api(**{"/a": {"get": {"parameters": [required, optional]}}})
    assert list(Comparison(old, new).api()) == ["GET /a query parameter page: new and required"]


def test_a_topic_gone_or_its_message_changed_breaks_its_consumers() -> None:
    """AsyncAPI: a channel's address removed; a message's field removed."""
    message = {"payload": {"type": "object", "properties": {"id": INTEGER}, "required": ["id"]}}
    old = {
        "channels": {"a": {"address": "refunds.created"}, "b": {"address": "refunds.paid"}},
        "components": {"messages": {"RefundCreated": message}},
    }
    new = {
        "channels": {"a": {"address": "refunds.created"}},
        "components": {"messages": {"RefundCreated": {"payload": {"type": "object"}}}},
    }
    assert list(Comparison(old, new).events()) == [
        "topic refunds.paid: removed",
        "message RefundCreated: field id removed",
    ]


def test_the_snapshots_are_compared_with_the_newest_release_tag(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No tag: nothing to compare. Tagged, then a field removed: exit 1 naming it; REF works too."""
    assert compat.main(["--root", str(project)]) == 0
    assert "no release tag yet" in capsys.readouterr().out
    git(project, "tag", "v1.0.0")
    snapshot = project / "openapi.json"
    document = json.loads(snapshot.read_text())
    del document["paths"]["/"]
    snapshot.write_text(json.dumps(document))
    assert compat.main(["--root", str(project)]) == 1
    printed = capsys.readouterr()
    assert "breaking: GET /: removed" in printed.out
    assert "1 breaking change(s) since v1.0.0" in printed.err
    assert compat.main(["--root", str(project), "--ref", "no-such-ref"]) == 1
    assert "no-such-ref is no commit, branch or tag" in capsys.readouterr().err


def test_what_quart_schema_writes_is_read_as_it_means() -> None:
    """$refs in anyOf, a model holding itself, a renamed path parameter, a const narrowed."""
    node = {
        "type": "object",
        "properties": {
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
        },
    }
    owner = {"anyOf": [{"$ref": "#/components/schemas/Shared"}, {"type": "null"}]}
    old = api(
        **{
            "/tree/{id}": answering({"root": {"$ref": "#/components/schemas/Node"}}, ["root"]),
            "/owner": answering({"owner": {"$ref": "#/components/schemas/Shared"}}, ["owner"]),
            "/state": answering({"s": {"type": "string"}}, ["s"]),
        }
    )
    old["components"]["schemas"]["Node"] = node
    new = api(
        **{
            "/tree/{tree_id}": answering({"root": {"$ref": "#/components/schemas/Node"}}, ["root"]),
            "/owner": answering({"owner": owner}, ["owner"]),
            "/state": answering({"s": {"type": "string", "enum": ["a"]}}, ["s"]),
        }
    )
    new["components"]["schemas"]["Node"] = node
    assert list(Comparison(new, old).api()) == ['GET /state 200.s: may now be other than "a"']
    assert list(Comparison(old, new).api()) == ["GET /owner 200.owner: may now be null"]


def test_a_body_now_required_or_a_success_answer_gone_breaks() -> None:
    """A POST that took no body and now needs one; a 200 that is now a 201."""
    body = {"required": True, "content": {"application/json": {"schema": STRING}}}
    old = api(**{"/a": {"post": {"responses": {"200": {"description": "ok"}}}}})
    new = api(
        **{"/a": {"post": {"requestBody": body, "responses": {"201": {"description": "ok"}}}}}
    )
    assert list(Comparison(old, new).api()) == [
        "POST /a: a body now required",
        "POST /a: answer 200 removed",
    ]
