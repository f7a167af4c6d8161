"""Delivery without a broker: the outbox, in order, to the handlers in the process, each once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from quart import Quart
from sqlalchemy import func, select, update

from ...data.database import reading, transaction
from ...data.tables import milliseconds
from ...events.inbox_entries import InboxEntry
from ...events.outbox import OutboxMessage, publish
from ...events.without_broker import deliver
from ...testing.live_server import LiveServer
from ..items import count_items
from .consumers import consuming, failures, items
from .test_messages import Shipped

__all__ = ["consuming"]


async def pending() -> int:
    """How many messages the outbox holds."""
    async with reading() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def publish_shipped(*parcels: int) -> None:
    """Publish that each parcel shipped, in one transaction."""
    async with transaction():
        for parcel in parcels:
            await publish(Shipped(parcel_id=parcel))


async def test_each_message_reaches_every_handler_of_its_topic_in_order(consuming: Quart) -> None:
    """Both handlers take both messages, in the order published; the outbox is then empty."""
    await publish_shipped(1, 2)
    outcomes = await deliver(consuming)
    assert [outcome.state for outcome in outcomes] == ["done"] * 4
    assert await items() == ["parcel 1", "flaky 1", "parcel 2", "flaky 2"]
    assert await pending() == 0
    assert await deliver(consuming) == []


async def test_a_failed_handler_keeps_the_message_until_its_retry(consuming: Quart) -> None:
    """The other handler is done; the failed one is tried again once due, and only it."""
    failures["left"] = 1
    await publish_shipped(1)
    assert sorted(outcome.state for outcome in await deliver(consuming)) == ["done", "retry"]
    assert await pending() == 1
    assert await deliver(consuming) == []  # not due yet
    async with transaction() as session:
        await session.execute(update(OutboxMessage).values(available_at=milliseconds()))
        await session.execute(update(InboxEntry).values(next_at=milliseconds()))
    assert sorted(outcome.state for outcome in await deliver(consuming)) == ["done", "duplicate"]
    assert await items() == ["parcel 1", "flaky 1"]
    assert await pending() == 0


async def test_a_message_no_handler_takes_leaves_the_outbox(consuming: Quart) -> None:
    """Without a broker, an event of a topic nothing here takes has nowhere to go."""
    async with transaction() as session:
        session.add(
            OutboxMessage(
                message_id="other",
                topic="parcel.lost",
                job=False,
                key=None,
                payload="{}",
                headers="{}",
                created_at=milliseconds(),
                available_at=milliseconds(),
            )
        )
    assert await deliver(consuming) == []
    assert await pending() == 0


def test_the_serving_app_delivers_what_its_views_publish(
    serve: Callable[..., LiveServer], database_url: str
) -> None:
    """Under the production server with no broker: each 201's event reaches both consumers."""
    server = serve(factory=f"{__name__.rsplit('.', 1)[0]}.consumers:live_app")
    for parcel in range(5):
        assert server.request("POST", f"/_ship/{parcel}")[0] == 201
    for _ in range(100):  # both handlers of the five events, within ten seconds
        counts = [asyncio.run(count_items(database_url, kind)) for kind in ("parcel ", "flaky ")]
        if counts == [5, 5]:
            break
        time.sleep(0.1)
    assert asyncio.run(count_items(database_url, "parcel ")) == 5
    assert asyncio.run(count_items(database_url, "flaky ")) == 5
