"""The tests' consumers (shipments/), an app that takes their messages, and what they stored."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from quart import Blueprint, Quart
from sqlalchemy import select

from ...callers.access import public
from ...data.database import database, reading, transaction
from ...events import delivery
from ...events.handlers import discover_handlers
from ...events.outbox import publish
from ..items import Item, create_tables
from ..plumbing import create_app
from . import shipments
from .shipments.notes import failures
from .test_messages import Shipped

__all__ = ["failures"]
NOTE, FLAKY = discover_handlers(shipments)  # in the order notes.py defines them


@pytest.fixture
async def consuming(app: Quart) -> AsyncIterator[Quart]:
    """The app fixture with the tests' consumers and tables, in its context."""
    delivery.init_app(app, [NOTE, FLAKY])
    async with app.app_context():
        await create_tables(database().engine)
        yield app
    failures["left"] = 0


shipping = Blueprint("_shipping", __name__)


@shipping.post("/_ship/<int:parcel_id>")
@public
async def ship(parcel_id: int) -> tuple[dict[str, int], int]:
    """Publish that a parcel shipped, in the transaction of a write of its own."""
    async with transaction() as session:
        session.add(Item(name=f"shipped {parcel_id}"))
        await publish(Shipped(parcel_id=parcel_id), key=str(parcel_id))
    return {"parcel_id": parcel_id}, 201


def live_app() -> Quart:
    """The plumbing with the tests' consumers, a view that publishes, and the tests' tables."""
    app = create_app(events=shipments)
    app.register_blueprint(shipping)

    @app.before_serving
    async def tables() -> None:
        await create_tables(database().engine)

    return app


async def items() -> list[str]:
    """The names of the items stored, in order."""
    async with reading() as session:
        return list(await session.scalars(select(Item.name).order_by(Item.id)))
