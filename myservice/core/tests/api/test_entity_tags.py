"""The document of a view with entity tags: the condition headers, 304, 412, 428 and ETag."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response
from quart.typing import ResponseReturnValue

from ...api.entity_tags import entity_tags
from ...api.validation import Model, validate_response
from ...http.access import public
from ...http.conditional import tagged
from ..plumbing import create_app


class Thing(Model):
    """A versioned thing."""

    id: int


async def document() -> dict[str, Any]:
    """The OpenAPI document of an app with a thing to create, read, change and delete."""
    app = create_app({"TESTING": True})
    routes = Blueprint("_things", __name__)

    @routes.post("/things")
    @public
    @entity_tags
    @validate_response(Thing, 201)
    async def create() -> Any:
        return tagged(Thing(id=1), 1, 201)

    @routes.get("/things/<int:thing>")
    @public
    @entity_tags
    @validate_response(Thing)
    async def read(thing: int) -> Any:
        return tagged(Thing(id=thing), 1)

    @routes.patch("/things/<int:thing>")
    @public
    @entity_tags
    @validate_response(Thing)
    async def change(thing: int) -> Any:
        return tagged(Thing(id=thing), 2)

    @routes.delete("/things/<int:thing>")
    @public
    @entity_tags
    async def delete(thing: int) -> ResponseReturnValue:
        return Response(status=204)

    app.register_blueprint(routes)
    spec: dict[str, Any] = await (await app.test_client().get("/openapi.json")).get_json()
    return spec


def headers_of(operation: dict[str, Any]) -> list[str]:
    """The names of the header parameters the operation takes."""
    return [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]


async def test_a_read_takes_if_none_match_and_may_answer_304() -> None:
    """GET documents If-None-Match, the 304 and the ETag, and no write's problems."""
    read = (await document())["paths"]["/things/{thing}"]["get"]
    assert headers_of(read) == ["If-None-Match"]
    assert {"304", "400"} <= set(read["responses"])
    assert "ETag" in read["responses"]["200"]["headers"]
    assert "ETag" in read["responses"]["304"]["headers"]
    assert not {"412", "428"} & set(read["responses"])


async def test_a_change_takes_if_match_and_may_answer_412_or_428() -> None:
    """PATCH and DELETE document If-Match, the 412 and the 428."""
    item = (await document())["paths"]["/things/{thing}"]
    for method in ("patch", "delete"):
        assert headers_of(item[method]) == ["If-Match"]
        assert {"400", "412", "428"} <= set(item[method]["responses"])
        assert "304" not in item[method]["responses"]
    assert "ETag" in item["patch"]["responses"]["200"]["headers"]


async def test_a_creation_answers_an_etag_but_takes_no_condition() -> None:
    """POST makes the item: its 201 carries the ETag, and it has nothing to match."""
    create = (await document())["paths"]["/things"]["post"]
    assert headers_of(create) == []
    assert "ETag" in create["responses"]["201"]["headers"]
    assert not {"304", "412", "428"} & set(create["responses"])


async def test_the_problems_are_documented_once_in_the_components() -> None:
    """412 and 428 are problems of the components, as the others are."""
    responses = (await document())["components"]["responses"]
    assert responses["PreconditionFailed"]["description"].startswith("If-Match no longer")
    assert "REQUIRE_IF_MATCH" in responses["PreconditionRequired"]["description"]
