"""A table and views of the tests' own, on metadata apart from the service's tables.

The service's migrations must keep matching its own tables: these never join them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import Field
from quart import Blueprint, Quart
from quart.typing import TestClientProtocol
from sqlalchemy import ColumnElement, ForeignKey, Integer, MetaData, String, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import NullPool

from ..api.validation import Model, validate_request, validate_response
from ..data.database import database, get_or_404, reading, transaction
from ..data.outages import DatabaseUnavailable
from ..data.tables import NAMING_CONVENTION
from ..http.access import public


class ItemsBase(DeclarativeBase):
    """Tables of the tests only."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Item(ItemsBase):
    """An item with a unique name, in a group."""

    __tablename__ = "test_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(10), unique=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("test_groups.id"))


class Group(ItemsBase):
    """What items belong to."""

    __tablename__ = "test_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class Versioned(ItemsBase):
    """A row whose version SQLAlchemy counts up with each UPDATE, as `make view` tables do."""

    __tablename__ = "test_versioned"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's declaration)


class NewItem(Model):
    """An item to create."""

    name: str = Field(max_length=100)
    group_id: int | None = None


class ItemOut(Model):
    """An item, as it is stored."""

    id: int
    name: str


items = Blueprint("_items", __name__, url_prefix="/_items")


@items.post("")
@public
@validate_request(NewItem)
@validate_response(ItemOut, 201)
async def create_item(data: NewItem) -> tuple[ItemOut, int]:
    """Store an item; the name must be unused, the group one that exists."""
    async with transaction() as session:
        item = Item(name=data.name, group_id=data.group_id)
        session.add(item)
        await session.flush()
        return ItemOut(id=item.id, name=item.name), 201


@items.post("/later")
@public
@validate_request(NewItem)
async def create_item_at_commit(data: NewItem) -> tuple[dict[str, str], int]:
    """Store an item without flushing: a conflict shows only when the transaction commits."""
    async with transaction() as session:
        session.add(Item(name=data.name, group_id=data.group_id))
    return {"name": data.name}, 201


@items.get("/<int:item_id>")
@public
@validate_response(ItemOut)
async def read_item(item_id: int) -> ItemOut:
    """An item, or 404."""
    async with reading() as session:
        item = await get_or_404(session, Item, item_id)
        return ItemOut(id=item.id, name=item.name)


async def create_tables(engine: AsyncEngine) -> None:
    """Add the tests' tables to a test's database, once, whoever else is adding them.

    The processes of a server (WORKERS=2) each add them as they start: the second to try a
    table that the first is creating fails, then finds it there.
    """
    try:
        async with engine.begin() as connection:
            await connection.run_sync(ItemsBase.metadata.create_all)
    except (DBAPIError, DatabaseUnavailable):
        await asyncio.sleep(0.5)
        async with engine.begin() as connection:
            await connection.run_sync(ItemsBase.metadata.create_all)


async def client_of(app: Quart, blueprint: Blueprint) -> TestClientProtocol:
    """A client of the serving `app` with `blueprint` registered and the tests' tables created."""
    app.register_blueprint(blueprint)
    async with app.app_context():
        await create_tables(database().engine)
    return app.test_client()


async def count_items(url: str, prefix: str = "") -> int:
    """How many items whose name starts with `prefix` the database at `url` holds.

    For a test of a server in a process of its own, whose app the test cannot reach.
    """
    return await count_rows(url, Item, Item.name.startswith(prefix))


async def item_names(url: str, prefix: str = "") -> list[str]:
    """The names of the items of `prefix` in the database at `url`, in the order stored."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            query = select(Item.name).where(Item.name.startswith(prefix)).order_by(Item.id)
            return list((await connection.execute(query)).scalars())
    finally:
        await engine.dispose()


async def count_rows(url: str, table: type[Any], *where: ColumnElement[bool]) -> int:
    """How many rows of `table` (a mapped class) match `where` in the database at `url`."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            query = select(func.count()).select_from(table).where(*where)
            return int((await connection.execute(query)).scalar() or 0)
    finally:
        await engine.dispose()
