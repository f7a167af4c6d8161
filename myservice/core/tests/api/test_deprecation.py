"""A route on its way out says so on every answer, and in the OpenAPI document."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ...api.deprecation import deprecated
from ..plumbing import create_app_with_views

OLD_VIEWS = {
    "old": """
        from datetime import date

        from quart import Blueprint, Response

        from {SERVICE}.core import deprecated, public

        blueprint = Blueprint("old", __name__)


        @blueprint.get("/v1/things")
        @public
        @deprecated(
            since=date(2026, 12, 1), sunset=date(2027, 6, 30), link="https://example.com/v2"
        )
        async def things() -> dict[str, list[str]]:
            \"\"\"The things, the old way.\"\"\"
            return {"things": []}


        @blueprint.get("/v1/pages")
        @public
        @deprecated(since=date(2026, 12, 1), link="https://example.com/v2")
        async def pages() -> Response:
            \"\"\"A page of things, the old way, with a link to the next.\"\"\"
            return Response("[]", headers={"Link": '</v1/pages?page=2>; rel="next"'})


        @blueprint.get("/v1/count")
        @public
        @deprecated(since=date(2026, 12, 1))
        async def count() -> dict[str, int]:
            \"\"\"How many things, the old way.\"\"\"
            return {"count": 0}
    """
}


async def test_the_answers_carry_deprecation_sunset_and_link(tmp_path: Path) -> None:
    """RFC 9745's Deprecation date, RFC 8594's Sunset, the link; other routes none of them."""
    app = create_app_with_views(tmp_path, OLD_VIEWS, {"TESTING": True})
    async with app.test_app():
        client = app.test_client()
        things = await client.get("/v1/things")
        count = await client.get("/v1/count")
        other = await client.get("/livez")
        pages = await client.get("/v1/pages")
        document = await (await client.get("/openapi.json")).get_json()
    assert things.status_code == 200
    assert things.headers["Deprecation"] == "@1796083200"
    assert things.headers["Sunset"] == "Wed, 30 Jun 2027 00:00:00 GMT"
    assert things.headers["Link"] == '<https://example.com/v2>; rel="deprecation"; type="text/html"'
    assert count.headers["Deprecation"] == "@1796083200"
    assert "Sunset" not in count.headers
    assert "Link" not in count.headers
    assert not {"Deprecation", "Sunset"} & set(other.headers.keys())
    assert pages.headers.getlist("Link") == [
        '</v1/pages?page=2>; rel="next"',
        '<https://example.com/v2>; rel="deprecation"; type="text/html"',
    ]
    assert document["paths"]["/v1/things"]["get"]["deprecated"] is True
    assert "deprecated" not in document["paths"]["/livez"]["get"]


def test_a_sunset_before_the_deprecation_is_a_mistake() -> None:
    """The decorator refuses it when the module is imported, not on the first request."""
    with pytest.raises(ValueError, match=r"sunset \(2026-01-01\) comes after its deprecation"):
        deprecated(since=date(2026, 12, 1), sunset=date(2026, 1, 1))
