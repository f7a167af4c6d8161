"""Entity tags: 304 for a reader who has the item, 412 for a stale writer, 428 when required."""

from __future__ import annotations

import gzip
import json

import pytest
from quart import Blueprint, Quart, Response
from quart.typing import ResponseReturnValue

from ...http.access import public
from ...http.conditional import entity_tag, require_match, tagged
from ..plumbing import create_app

VERSION = 3
LARGE = {"items": [f"item {n}" for n in range(300)]}


def versioned_app(**settings: object) -> Quart:
    """The plumbing with an item at VERSION: read it (small or large), or write it."""
    app = create_app({"TESTING": True, **settings})
    routes = Blueprint("_versioned", __name__)

    @routes.get("/item")
    @public
    async def read() -> ResponseReturnValue:
        return tagged({"version": VERSION}, VERSION)

    @routes.get("/large")
    @public
    async def large() -> ResponseReturnValue:
        return tagged(LARGE, VERSION)

    @routes.patch("/item")
    @public
    async def write() -> ResponseReturnValue:
        require_match(VERSION)
        return tagged({"version": VERSION + 1}, VERSION + 1)

    app.register_blueprint(routes)
    return app


def test_the_tag_of_a_version_is_strong() -> None:
    """A version's tag is a strong one: no W/."""
    assert entity_tag(12) == '"12"'


async def test_a_read_answers_its_etag() -> None:
    """An item read answers its version's tag."""
    response = await versioned_app().test_client().get("/item")
    assert (response.status_code, response.headers["ETag"]) == (200, '"3"')


@pytest.mark.parametrize(
    "condition",
    ['"3"', 'W/"3"', '"1", "3"', "*", '"3-gzip"', '"1",\t"3" ', '"3",', ', "3"', '"1",, ,"3"'],
)
async def test_a_read_whose_if_none_match_names_the_version_is_a_304(condition: str) -> None:
    """Any list naming the version, weakly or gzipped or *, is a 304 without a body."""
    response = (
        await versioned_app().test_client().get("/item", headers={"If-None-Match": condition})
    )
    assert (response.status_code, await response.get_data()) == (304, b"")
    assert response.headers["ETag"] == '"3"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Vary"] == "Accept-Encoding"


async def test_a_304_says_no_content_type() -> None:
    """A 304 has no content: a Content-Type would overwrite a cache's application/json."""
    app = versioned_app()
    async with app.test_request_context("/item", headers={"If-None-Match": '"3"'}):
        answer: object = tagged({}, VERSION)
    assert isinstance(answer, Response)
    assert answer.status_code == 304
    assert "Content-Type" not in answer.headers


@pytest.mark.parametrize("condition", ['"2"', '"33"', '"1", "2"', 'W/"4"', '"0",'])
async def test_a_read_of_another_version_is_answered_in_full(condition: str) -> None:
    """A tag of another version gets the item in full."""
    response = (
        await versioned_app().test_client().get("/item", headers={"If-None-Match": condition})
    )
    assert (response.status_code, await response.get_json()) == (200, {"version": VERSION})


@pytest.mark.parametrize("condition", ['"3"', "*", '"1", "3"', '"3-gzip"'])
async def test_a_write_whose_if_match_names_the_version_goes_ahead(condition: str) -> None:
    """If-Match naming the version (strongly) lets the write through, with the new tag."""
    response = await versioned_app().test_client().patch("/item", headers={"If-Match": condition})
    assert (response.status_code, response.headers["ETag"]) == (200, '"4"')


@pytest.mark.parametrize("condition", ['"2"', 'W/"3"', '"1", "2"', '"3-br"'])
async def test_a_write_of_another_version_is_a_412_problem(condition: str) -> None:
    """If-Match naming another version, or only weakly, is a 412 saying the current tag."""
    response = await versioned_app().test_client().patch("/item", headers={"If-Match": condition})
    assert response.status_code == 412
    assert response.content_type == "application/problem+json"
    body = await response.get_json()
    assert body["title"] == "Precondition Failed"
    assert '"3"' in body["detail"]


async def test_if_match_over_several_header_lines_is_one_list() -> None:
    """Header lines of If-Match make one list, as HTTP joins them."""
    client = versioned_app().test_client()
    response = await client.patch("/item", headers=[("If-Match", '"1"'), ("If-Match", '"3"')])
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("header", "method"),
    [("If-Match", "PATCH"), ("If-None-Match", "GET")],
)
@pytest.mark.parametrize(
    "condition",
    ["3", '"3', '"3" "4"', '"a"b"', "W/3", '""x', '"\x7f"', '*, "3"', '"3 "', '"3"x'],
)
async def test_a_condition_that_is_not_a_list_of_tags_is_a_400(
    header: str, method: str, condition: str
) -> None:
    """A condition that cannot be read is a 400 problem, never a guess."""
    client = versioned_app().test_client()
    response = await getattr(client, method.lower())("/item", headers={header: condition})
    assert response.status_code == 400
    assert (await response.get_json())["detail"].startswith(
        f"{header} is not a list of entity tags"
    )


@pytest.mark.parametrize("condition", ['"3"', "*", 'W/"3"'])
async def test_a_write_whose_if_none_match_names_the_version_is_a_412(condition: str) -> None:
    """If-None-Match on a write asks that the item not be at that version: here it is."""
    client = versioned_app().test_client()
    response = await client.patch("/item", headers={"If-None-Match": condition})
    assert response.status_code == 412
    other = await client.patch("/item", headers={"If-None-Match": '"2"'})
    assert other.status_code == 200


@pytest.mark.parametrize("condition", ["", " ", ",", " , ,"])
async def test_an_empty_list_names_no_version(condition: str) -> None:
    """An If-Match of no tags names no version (412); an If-None-Match of none, no copy (200)."""
    client = versioned_app().test_client()
    assert (await client.patch("/item", headers={"If-Match": condition})).status_code == 412
    assert (await client.get("/item", headers={"If-None-Match": condition})).status_code == 200


async def test_a_write_without_if_match_goes_ahead_unless_required() -> None:
    """Without If-Match a write goes ahead; with REQUIRE_IF_MATCH it is a 428."""
    assert (await versioned_app().test_client().patch("/item")).status_code == 200
    strict = versioned_app(REQUIRE_IF_MATCH=True).test_client()
    refused = await strict.patch("/item")
    assert refused.status_code == 428
    assert "If-Match" in (await refused.get_json())["detail"]
    assert (await strict.patch("/item", headers={"If-Match": '"3"'})).status_code == 200


async def test_a_long_unclosed_condition_is_a_400() -> None:
    """A header of 60 000 characters with no closing quote is read once and refused."""
    condition = '"3' + "a" * 60_000  # never closed: no list can be read from it
    client = versioned_app().test_client()
    response = await client.patch("/item", headers={"If-Match": condition})
    assert response.status_code == 400


async def test_a_gzipped_answer_has_a_tag_of_its_own_that_still_names_the_version() -> None:
    """Gzip adds -gzip to the tag, and that tag still names the version."""
    client = versioned_app().test_client()
    response = await client.get("/large", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["ETag"] == '"3-gzip"'
    assert json.loads(gzip.decompress(await response.get_data(as_text=False))) == LARGE
    again = await client.get(
        "/large", headers={"Accept-Encoding": "gzip", "If-None-Match": '"3-gzip"'}
    )
    assert again.status_code == 304
    plain = await client.get("/large")
    assert plain.headers["ETag"] == '"3"'
