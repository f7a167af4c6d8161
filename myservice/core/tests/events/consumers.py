"""The tests' consumers (shipments/), an app that takes their messages, and what they stored."""

from __future__ import annotations

import asyncio
import os
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from typing import TypeVar

import aio_pika
import pytest
from quart import Blueprint, Quart
from sqlalchemy import select

from ...data.database import database, reading, transaction
from ...events import without_broker
from ...events.broker import Broker
from ...events.handlers import discover_handlers
from ...events.inbox import Consumers, Retries
from ...events.outbox import publish
from ...http.access import public
from ..items import Item, create_tables
from ..plumbing import create_app
from . import shipments, ticks
from .shipments.delays import Delayed
from .shipments.notes import failures
from .shipments.steps import Stepped
from .test_messages import Shipped

__all__ = ["failures"]
HANDLERS = {handler.name: handler for handler in discover_handlers(shipments)}
BEATS = discover_handlers(ticks)
NOTE, FLAKY = HANDLERS["notes.note_shipment"], HANDLERS["notes.flaky_note"]
BROKER = os.environ.get("TEST_BROKER_URL")
needs_broker = pytest.mark.skipif(
    BROKER is None, reason="make test-servers runs it, on the RabbitMQ of the machine"
)
T = TypeVar("T")
CONSUMERS = Consumers([NOTE, FLAKY], Retries(max_attempts=3, first_delay=1))
# What the broker fixture declares: the queues of every handler, as a serving app would.
TOPOLOGY = Consumers([*HANDLERS.values(), *BEATS], Retries(max_attempts=5, first_delay=1))
LIVE_APP = f"{__name__}:live_app"
TICKING_APP = f"{__name__}:ticking_app"


@pytest.fixture
async def broker() -> AsyncIterator[Broker]:
    """A broker connection whose exchanges and queues are the test's own, deleted after it."""
    connected = await connect(f"test_{uuid.uuid4().hex[:12]}")
    yield connected
    await delete_topology(connected)


@pytest.fixture
def live_exchange() -> Iterator[str]:
    """An EVENTS_EXCHANGE of the test's own, for servers it starts; its queues deleted after.

    A test asks for it before `serve`, so that the queues go once the servers have stopped: a
    worker still running would declare them again, and leave them on the broker.
    """
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield name

    async def clean_up() -> None:
        await delete_topology(await connect(name))

    asyncio.run(clean_up())


async def connect(exchange: str, url: str | None = None) -> Broker:
    """A connection to TEST_BROKER_URL (or `url`) with TOPOLOGY declared under `exchange`."""
    target = url or BROKER
    assert target is not None
    try:
        return await Broker.connect(target, exchange, TOPOLOGY, connect_timeout=5)
    except Exception as error:
        pytest.fail(f"TEST_BROKER_URL names a broker that does not answer: {error}")


async def delete_topology(broker: Broker) -> None:
    """Delete what TOPOLOGY declared, then close."""
    for name in broker.queues:
        for queue in (name, f"{name}.dead", *(f"{name}.retry.{n}" for n in range(1, 5))):
            await broker.channel.queue_delete(queue)
    for exchange in broker.exchanges.values():
        await exchange.delete()
    await broker.close()


async def taken(broker: Broker, queue: str) -> aio_pika.abc.AbstractIncomingMessage | None:
    """The next message of `queue`, acknowledged, or None once it has none."""
    declared = await broker.channel.declare_queue(queue, passive=True)
    message = await declared.get(fail=False)
    if message is not None:
        await message.ack()
    return message


@pytest.fixture
async def ticking(database_url: str) -> AsyncIterator[Quart]:
    """An app in test mode whose consumers are the tests' scheduled jobs, in its context."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url}, events=ticks)
    async with app.test_app(), app.app_context():
        await create_tables(database().engine)
        yield app


@pytest.fixture
async def consuming(app: Quart) -> AsyncIterator[Quart]:
    """The app fixture with the tests' consumers and tables, in its context."""
    serving = app.extensions[without_broker.EXTENSION_KEY]
    app.extensions[without_broker.EXTENSION_KEY] = replace(serving, handlers=[NOTE, FLAKY])
    async with app.app_context():
        await create_tables(database().engine)
        yield app
    failures["left"] = 0


shipping = Blueprint("_shipping", __name__)


@shipping.post("/_delay/<int:parcel_id>/<float:seconds>")
@public
async def delay(parcel_id: int, seconds: float) -> tuple[dict[str, int], int]:
    """Publish a parcel whose consumer takes `seconds`."""
    async with transaction():
        await publish(Delayed(parcel_id=parcel_id, seconds=seconds))
    return {"parcel_id": parcel_id}, 201


@shipping.post("/_ship/<int:parcel_id>")
@public
async def ship(parcel_id: int) -> tuple[dict[str, int], int]:
    """Publish that a parcel shipped, in the transaction of a write of its own."""
    async with transaction() as session:
        session.add(Item(name=f"shipped {parcel_id}"))
        await publish(Shipped(parcel_id=parcel_id), key=str(parcel_id))
    return {"parcel_id": parcel_id}, 201


@shipping.post("/_steps/<int:parcels>/<int:steps>/<float:longest>")
@public
async def steps(parcels: int, steps: int, longest: float) -> tuple[dict[str, int], int]:
    """Publish `steps` steps of each of `parcels` parcels, interleaved, keyed by parcel.

    Each step's handler waits a random time of `longest` / 2 to `longest` seconds, as real work
    would, before it touches the database.
    """
    async with transaction():
        for step in range(steps):
            for parcel in range(parcels):
                seconds = random.uniform(longest / 2, longest)  # noqa: S311  # nosec B311  # jitter
                await publish(
                    Stepped(parcel_id=parcel, step=step, seconds=seconds), key=str(parcel)
                )
    return {"published": parcels * steps}, 201


def live_app() -> Quart:
    """The plumbing with the tests' consumers, a view that publishes, and the tests' tables."""
    app = with_tables(create_app(events=shipments))
    app.register_blueprint(shipping)
    return app


def ticking_app() -> Quart:
    """The plumbing whose consumers are the tests' scheduled jobs, with the tests' tables."""
    return with_tables(create_app(events=ticks))


def with_tables(app: Quart) -> Quart:
    """`app`, creating the tests' tables before it serves."""

    @app.before_serving
    async def tables() -> None:
        await create_tables(database().engine)

    return app


async def items() -> list[str]:
    """The names of the items stored, in order."""
    async with reading() as session:
        return list(await session.scalars(select(Item.name).order_by(Item.id)))


async def eventually(look: Callable[[], Awaitable[T]], done: Callable[[T], bool]) -> T:
    """What `look()` gives once `done` with it, or after ten seconds: for a broker's messages."""
    for _ in range(200):
        seen = await look()
        if done(seen):
            return seen
        await asyncio.sleep(0.05)
    return await look()
