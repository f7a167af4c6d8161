"""The database-backed routes `make bench` measures: one row by id, and a page of 20.

The service's own app, with one table and two views written as `make view` writes them; the
FastAPI twin (fastapi_items.py) serves the same answers from the same engine settings.
"""

from __future__ import annotations

from quart import Blueprint, Quart
from sqlalchemy import Integer, String, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from myservice import create_app as create_service
from myservice.core import Model, get_or_404, public, reading, validate_response
from myservice.core.data.database import open_engine

SEEDED = 1000
PAGE = 20


class BenchBase(DeclarativeBase):
    """The benchmark's tables, apart from the service's: its migrations never see them."""


class BenchItem(BenchBase):
    """A row to read."""

    __tablename__ = "bench_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    quantity: Mapped[int] = mapped_column(Integer)


class Item(Model):
    """A row, as both apps answer it."""

    id: int
    name: str
    quantity: int


class Page(Model):
    """A page of rows."""

    items: list[Item]


blueprint = Blueprint("bench_items", __name__, url_prefix="/items")


@blueprint.get("/<int:item_id>")
@public
@validate_response(Item)
async def read_item(item_id: int) -> Item:
    """One row."""
    async with reading() as session:
        row = await get_or_404(session, BenchItem, item_id)
        return Item(id=row.id, name=row.name, quantity=row.quantity)


@blueprint.get("")
@public
@validate_response(Page)
async def list_items() -> Page:
    """The first page of rows."""
    async with reading() as session:
        rows = (await session.scalars(select(BenchItem).order_by(BenchItem.id).limit(PAGE))).all()
    return Page(items=[Item(id=row.id, name=row.name, quantity=row.quantity) for row in rows])


def create_app() -> Quart:
    """The service with the benchmark's routes."""
    app = create_service()
    app.register_blueprint(blueprint)
    return app


async def seed(settings: dict[str, object]) -> None:
    """Create the table in the settings' database and fill it with SEEDED rows."""
    engine = open_engine(settings).engine
    async with engine.begin() as connection:
        await connection.run_sync(BenchBase.metadata.create_all)
        await connection.execute(
            insert(BenchItem),
            [{"name": f"item {number}", "quantity": number % 1000 + 1} for number in range(SEEDED)],
        )
    await engine.dispose()
