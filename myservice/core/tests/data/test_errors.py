"""The database's refusals as problems: 409 naming the field, 422, 503; never SQL or a traceback."""

from __future__ import annotations

import asyncio

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import text

from ...data.database import database, transaction
from ...data.url import is_sqlite
from ...http.access import public
from ..items import Versioned, client_of, items


@pytest.fixture
async def client(app: Quart) -> Client:
    """A client of an app serving the tests' items, their tables in its database."""
    return await client_of(app, items)


async def test_a_duplicate_is_a_409_naming_the_field(client: Client) -> None:
    """A second item of the same name conflicts with the first; the problem says which field."""
    assert (await client.post("/_items", json={"name": "first"})).status_code == 201
    response = await client.post("/_items", json={"name": "first"})
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    problem = await response.get_json(force=True)
    assert problem["fields"] == ["name"]
    assert problem["detail"] == "Another item has the same name."
    assert "INSERT" not in str(problem)
    assert "UNIQUE" not in str(problem)


async def test_two_creates_at_once_give_one_201_and_one_409(client: Client) -> None:
    """Racing creates of one name: the database decides, and the loser hears 409, not 500."""
    answers = await asyncio.gather(
        *(client.post("/_items", json={"name": "raced"}) for _ in range(2))
    )
    assert sorted(answer.status_code for answer in answers) == [201, 409]


async def test_a_reference_to_nothing_is_a_409(client: Client) -> None:
    """An item in a group that does not exist: 409, on SQLite too, whose keys are enforced."""
    response = await client.post("/_items", json={"name": "orphan", "group_id": 404})
    assert response.status_code == 409
    problem = await response.get_json(force=True)
    assert (
        problem["detail"] == "The item refers to one that does not exist, or is still referred to."
    )


async def test_a_violation_found_at_commit_is_a_409_too(app: Quart, client: Client) -> None:
    """A conflict that shows only when the transaction commits is answered the same way."""
    async with app.app_context(), transaction() as session:
        await session.execute(text("INSERT INTO test_items (name) VALUES ('taken')"))
    response = await client.post("/_items/later", json={"name": "taken"})
    assert response.status_code == 409
    assert (await response.get_json(force=True))["fields"] == ["name"]


async def test_a_missing_row_is_a_404_problem(client: Client) -> None:
    """get_or_404 answers for a key that matches no row."""
    response = await client.get("/_items/12345")
    assert response.status_code == 404
    assert (await response.get_json(force=True))["detail"] == "There is no test_items item 12345."


async def test_a_value_too_long_for_its_column(app: Quart, client: Client) -> None:
    """PostgreSQL refuses text longer than its column: 422; SQLite would store it.

    Validation limits that match the columns (as `make view` writes them) refuse it before
    either database sees it.
    """
    response = await client.post("/_items", json={"name": "far too long for ten"})
    if is_sqlite(app.config["DATABASE_URL"]):
        assert response.status_code == 201
    else:
        assert response.status_code == 422
        problem = await response.get_json(force=True)
        assert problem["detail"].startswith("A value cannot be stored")


async def test_a_nul_character_that_slips_past_validation(app: Quart, client: Client) -> None:
    """PostgreSQL cannot store a NUL character: 422 rather than 500 (PlainText refuses it first)."""
    response = await client.post("/_items", json={"name": "a\u0000b"})
    if is_sqlite(app.config["DATABASE_URL"]):
        assert response.status_code == 201
    else:
        assert response.status_code == 422


async def test_a_row_changed_between_read_and_write_is_a_412(app: Quart, client: Client) -> None:
    """A write that another overtook changes no row: 412, and the other's change stands."""
    async with app.app_context(), transaction() as session:
        session.add(Versioned(id=1, count=0))

    @app.post("/_overtaken")
    @public
    async def overtaken() -> dict[str, int]:
        async with transaction() as session:
            row = await session.get(Versioned, 1)
            assert row is not None
            async with database().sessions.begin() as other:  # another request, meanwhile
                (await other.get(Versioned, 1)).count = 5  # type: ignore[union-attr]
            row.count = 1
        return {"count": row.count}

    response = await client.post("/_overtaken")
    assert response.status_code == 412
    assert (await response.get_json())["title"] == "Precondition Failed"
    async with app.app_context(), transaction() as session:
        assert (await session.get(Versioned, 1)).count == 5  # type: ignore[union-attr]
