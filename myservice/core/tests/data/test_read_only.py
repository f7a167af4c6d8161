"""reading() refuses to write, on SQLite and PostgreSQL alike, and leaves nothing written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from quart import Quart
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from ...data.database import reading, transaction
from ...data.read_only import WriteInReadingError
from ..items import Item


async def _add(session: AsyncSession) -> None:
    session.add(Item(name="added"))
    await session.flush()


async def _change(session: AsyncSession) -> None:
    row = (await session.scalars(select(Item))).one()
    row.name = "changed"
    await session.scalars(select(Item))  # the query flushes the change first


async def _delete(session: AsyncSession) -> None:
    await session.delete((await session.scalars(select(Item))).one())
    await session.flush()


async def _insert(session: AsyncSession) -> None:
    await session.execute(insert(Item).values(name="inserted"))


async def _update(session: AsyncSession) -> None:
    await session.execute(update(Item).values(name="updated"))


async def _delete_all(session: AsyncSession) -> None:
    await session.execute(delete(Item))


@pytest.mark.parametrize("write", [_add, _change, _delete, _insert, _update, _delete_all])
async def test_a_write_in_reading_is_refused_and_nothing_changes(
    app: Quart, engine: AsyncEngine, write: Callable[[AsyncSession], Awaitable[None]]
) -> None:
    """Each way to write, the ORM's and the statements', raises and leaves the rows as they were."""
    async with app.app_context():
        async with transaction() as session:
            session.add(Item(name="kept"))
        with pytest.raises(WriteInReadingError, match="write inside `async with transaction"):
            async with reading() as session:
                await write(session)
        async with reading() as session:
            assert (await session.scalars(select(Item.name))).all() == ["kept"]


async def test_reading_reads_what_was_committed_and_each_statement_anew(
    app: Quart, engine: AsyncEngine
) -> None:
    """A reading() session sees each commit made meanwhile, statement by statement."""
    async with app.app_context(), reading() as session:
        assert (await session.scalars(select(Item.name))).all() == []
        async with transaction() as writer:
            writer.add(Item(name="meanwhile"))
        assert (await session.scalars(select(Item.name))).all() == ["meanwhile"]
