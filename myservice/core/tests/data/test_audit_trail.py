"""The audit trail: each write recorded with who, which request and what changed, or neither kept."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from quart import Quart
from sqlalchemy import select

from ...data.audit_trail import AuditRecord, audit
from ...data.database import database, reading, transaction
from ..items import Item, count_rows, create_tables
from ..plumbing import create_app_with_views

NOTES = {
    "notes": """
        from quart import Blueprint

        from {SERVICE}.core import apart, audit, get_or_404, public, requires, transaction
        from {SERVICE}.core.tests.items import Item

        blueprint = Blueprint("notes", __name__)


        @blueprint.post("/notes/<name>")
        @requires("notes:write")
        async def create(name: str) -> tuple[dict[str, int], int]:
            async with transaction() as session:
                row = Item(name=name)
                session.add(row)
                await session.flush()
                await audit("notes", row.id, "created", after={"name": name})
            return {"id": row.id}, 201


        @blueprint.patch("/notes/<int:note_id>/<name>")
        @requires("notes:write")
        async def rename(note_id: int, name: str) -> dict[str, int]:
            async with transaction() as session:
                row = await get_or_404(session, Item, note_id)
                before = {"name": row.name, "group_id": row.group_id}
                row.name = name
                await audit("notes", note_id, "updated", before, {"name": name, "group_id": None})
            return {"id": note_id}


        @blueprint.delete("/notes/<int:note_id>")
        @requires("notes:write")
        async def remove(note_id: int) -> tuple[str, int]:
            async with transaction() as session:
                row = await get_or_404(session, Item, note_id)
                await session.delete(row)
                await audit("notes", note_id, "deleted", before={"name": row.name})
            return "", 204


        @blueprint.post("/notes/<name>/apart")
        @public
        async def create_apart(name: str) -> tuple[dict[str, int], int]:
            async with transaction(), apart() as session:
                row = Item(name=name)
                session.add(row)
                await session.flush()
                await audit("notes", row.id, "created", after={"name": name}, session=session)
            return {"id": row.id}, 201


        @blueprint.post("/notes/<name>/then-fail")
        @requires("notes:write")
        async def then_fail(name: str) -> dict[str, int]:
            async with transaction() as session:
                row = Item(name=name)
                session.add(row)
                await session.flush()
                await audit("notes", row.id, "created", after={"name": name})
                raise RuntimeError("the write fails after its record")
    """
}


@pytest.fixture
async def notes(tmp_path: Path, database_url: str) -> AsyncIterator[Quart]:
    """An app whose view writes the tests' items and audits each write, in its context."""
    app = create_app_with_views(tmp_path, NOTES, {"TESTING": True, "DATABASE_URL": database_url})
    async with app.test_app(), app.app_context():
        await create_tables(database().engine)
        yield app


async def records() -> list[AuditRecord]:
    """The audit records, oldest first."""
    async with reading() as session:
        return list(await session.scalars(select(AuditRecord).order_by(AuditRecord.id)))


async def test_each_write_is_recorded_with_who_which_request_and_what_changed(
    notes: Quart, bearer: Callable[..., dict[str, str]]
) -> None:
    """Create, rename, delete: three records naming alice, each request's id, and the change."""
    client, alice = notes.test_client(), bearer("notes:write", subject="alice")
    created = await client.post("/notes/kettle", headers={**alice, "X-Request-ID": "r-create"})
    assert created.status_code == 201
    note = (await created.get_json())["id"]
    renamed = await client.patch(f"/notes/{note}/teapot", headers={**alice, "X-Request-ID": "r-2"})
    assert renamed.status_code == 200
    assert (await client.delete(f"/notes/{note}", headers=alice)).status_code == 204
    written = await records()
    assert [(r.action, r.resource, r.resource_id, r.subject) for r in written] == [
        ("created", "notes", str(note), "alice"),
        ("updated", "notes", str(note), "alice"),
        ("deleted", "notes", str(note), "alice"),
    ]
    assert [r.request_id for r in written[:2]] == ["r-create", "r-2"]
    assert written[2].request_id  # one the service gave, as the request came without
    assert [json.loads(r.changes) for r in written] == [
        {"name": "kettle"},
        {"name": ["kettle", "teapot"]},  # group_id did not change: not recorded
        {"name": "teapot"},
    ]
    assert written[0].at <= written[1].at <= written[2].at


async def test_no_record_without_its_write_and_no_write_without_its_record(
    notes: Quart, bearer: Callable[..., dict[str, str]], database_url: str
) -> None:
    """Forty creations racing, half of them of names taken, one failing after its record.

    Each write that stands has its record, and no record stands without its write.
    """
    client, headers = notes.test_client(), bearer("notes:write")
    names = [f"n{number % 20}" for number in range(40)]
    answers = await asyncio.gather(
        *(client.post(f"/notes/{name}", headers=headers) for name in names),
        client.post("/notes/failing/then-fail", headers=headers),
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(201) == 20
    assert set(statuses) <= {201, 409, 500, 503}
    items = {str(item_id) for item_id in await item_ids()}
    assert len(items) == 20
    assert sorted(record.resource_id for record in await records()) == sorted(items)
    assert await count_rows(database_url, Item, Item.name == "failing") == 0


async def item_ids() -> list[int]:
    """The ids of the items stored."""
    async with reading() as session:
        return list(await session.scalars(select(Item.id)))


async def test_a_write_apart_records_in_its_own_session_and_a_public_caller_is_nobody(
    notes: Quart,
) -> None:
    """An apart() write passes its session: the record commits with it; no token, no subject."""
    answer = await notes.test_client().post("/notes/apart/apart")
    assert answer.status_code == 201
    [record] = await records()
    assert (record.resource_id, record.subject) == (str((await answer.get_json())["id"]), None)


async def test_a_long_request_id_and_a_long_subject_are_kept(
    notes: Quart, bearer: Callable[..., dict[str, str]]
) -> None:
    """A 128-character X-Request-ID whole; a 300-character subject by its start and a digest."""
    request_id, subject = "r" * 128, "s" * 300
    headers = {**bearer("notes:write", subject=subject), "X-Request-ID": request_id}
    assert (await notes.test_client().post("/notes/long", headers=headers)).status_code == 201
    [record] = await records()
    assert record.request_id == request_id
    assert record.subject is not None
    assert record.subject.startswith("s" * 180 + "...sha256:")
    assert len(record.subject) <= 255


async def test_outside_a_transaction_or_with_a_name_too_long_nothing_is_recorded(
    notes: Quart,
) -> None:
    """A record needs the write's transaction; a name longer than its column is refused whole."""
    with pytest.raises(RuntimeError, match="inside `async with transaction"):
        await audit("notes", 1, "created")
    async with transaction():
        with pytest.raises(ValueError, match="resource must be 1 to 100 characters"):
            await audit("n" * 101, 1, "created")
        with pytest.raises(ValueError, match="action must be 1 to 32 characters"):
            await audit("notes", 1, "")
    assert await records() == []
