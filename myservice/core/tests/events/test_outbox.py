"""publish() and enqueue() write to the outbox in the transaction of the data, or not at all."""

from __future__ import annotations

import json

import pytest
from quart import Quart
from sqlalchemy import select

from ...data.database import reading, transaction
from ...data.tables import milliseconds
from ...events.outbox import OutboxMessage, enqueue, publish
from ...http.access import public
from .test_messages import Remind, Shipped


async def outbox(app: Quart) -> list[OutboxMessage]:
    """The rows of the outbox, in order."""
    async with app.app_context(), reading() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_a_published_event_is_committed_with_the_transaction(app: Quart) -> None:
    """The row holds the topic, key, body and id publish() gave back."""
    async with app.app_context(), transaction():
        message_id = await publish(Shipped(parcel_id=7), key="parcel-7")
    [row] = await outbox(app)
    assert (row.message_id, row.topic, row.key, row.job) == (
        message_id,
        "parcel.shipped",
        "parcel-7",
        False,
    )
    assert json.loads(row.payload) == {"parcel_id": 7}
    assert row.available_at <= milliseconds()


async def test_a_rolled_back_transaction_publishes_nothing(app: Quart) -> None:
    """The event of a change that did not happen is never sent."""
    async with app.app_context():
        with pytest.raises(RuntimeError, match="rolled back"):
            await publish_then_fail()
    assert await outbox(app) == []


async def publish_then_fail() -> None:
    """Publish, then fail before the transaction commits."""
    async with transaction():
        await publish(Shipped(parcel_id=7))
        raise RuntimeError("rolled back")


async def test_publishing_outside_a_transaction_says_where_to_do_it(app: Quart) -> None:
    """An event alone could be sent for data that never commits: refused, saying why."""
    async with app.app_context():
        with pytest.raises(RuntimeError, match="inside `async with transaction"):
            await publish(Shipped(parcel_id=7))


async def test_a_job_waits_for_its_delay(app: Quart) -> None:
    """enqueue() stores a job, available `delay` seconds later; an event is not a job."""
    before = milliseconds()
    async with app.app_context(), transaction():
        await enqueue(Remind(parcel_id=1), delay=60)
        with pytest.raises(TypeError, match="enqueue\\(\\) takes a Job"):
            await enqueue(Shipped(parcel_id=1))  # type: ignore[arg-type]
    [row] = await outbox(app)
    assert row.job is True
    assert row.available_at >= before + 60_000


async def test_a_request_id_travels_with_the_message(app: Quart) -> None:
    """Published while answering a request, the message carries its X-Request-ID."""

    @app.post("/_publish")
    @public
    async def publishing() -> dict[str, str]:
        async with transaction():
            await publish(Shipped(parcel_id=1))
        return {}

    response = await app.test_client().post("/_publish", headers={"X-Request-ID": "order-42"})
    assert response.status_code == 200
    [row] = await outbox(app)
    assert json.loads(row.headers) == {"x-request-id": "order-42"}
