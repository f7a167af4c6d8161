"""The outbox: events and jobs stored in the transaction of the data they speak of.

`await publish(RefundCreated(refund_id=row.id))` inside `async with transaction():` adds a row
to the outbox table; it commits with the refund, or rolls back with it. Nothing is sent from a
request: once committed, the row is the message, delivered by the relay to the broker, or without
one by without_broker.py to the consumers in the process. A row leaves the outbox once delivered.
"""

from __future__ import annotations

import json
import uuid

from quart import current_app, has_app_context
from sqlalchemy import BigInteger, Boolean, Index, Integer, Select, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from ..data.database import current_session
from ..data.tables import Base, milliseconds
from ..http.request_ids import current_request_id
from ..observability.tracing import tracing_of
from .messages import TOPIC_LENGTH, Event, Job, Message

REQUEST_ID = "x-request-id"


class OutboxMessage(Base):
    """A message committed and not yet delivered, in the order it was written (id)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_available_at", "available_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    topic: Mapped[str] = mapped_column(String(TOPIC_LENGTH))
    job: Mapped[bool] = mapped_column(Boolean)
    key: Mapped[str | None] = mapped_column(String(255))
    payload: Mapped[str] = mapped_column(Text)
    headers: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)  # milliseconds since the epoch
    available_at: Mapped[int] = mapped_column(BigInteger)  # not delivered before then

    def message(self) -> Message:
        """The row as the message it stands for."""
        return Message(
            self.message_id, self.topic, self.payload, self.key, json.loads(self.headers)
        )


async def publish(event: Event, key: str | None = None) -> str:
    """Store `event` to be sent once the transaction commits; give its message id.

    Messages of one `key` (such as the id of the item they speak of) reach each consumer in the
    order they were published.
    """
    return store(event, key, delay=0)


async def enqueue(job: Job, delay: float = 0, key: str | None = None) -> str:
    """Store `job` for the service's own consumers, to run `delay` seconds after the commit."""
    if not isinstance(job, Job):
        raise TypeError(f"enqueue() takes a Job; publish() sends {type(job).__name__}")
    return store(job, key, delay)


def store(event: Event, key: str | None, delay: float, message_id: str | None = None) -> str:
    """Add `event` to the outbox in the session's transaction; give its message id.

    A new id unless `message_id` is given: the scheduler gives one made of the schedule's tick.
    """
    topic = getattr(type(event), "topic", None)
    if topic is None:
        raise TypeError(
            f"{type(event).__name__} has no topic: class {type(event).__name__}(Event, topic=...)"
        )
    now = milliseconds()
    message_id = message_id or uuid.uuid4().hex
    headers = {REQUEST_ID: request_id} if (request_id := current_request_id()) else {}
    tracing = tracing_of(current_app) if has_app_context() else None
    if tracing is not None:
        tracing.inject(headers)  # the consumer's span continues the publisher's trace
    current_session().add(
        OutboxMessage(
            message_id=message_id,
            topic=topic,
            job=event.job,
            key=key,
            payload=event.model_dump_json(),
            headers=json.dumps(headers),
            created_at=now,
            available_at=now + round(delay * 1000),
        )
    )
    return message_id


def due_messages(limit: int) -> Select[OutboxMessage]:
    """The query of the messages due now, oldest first, `limit` at most: the next to send."""
    due = OutboxMessage.available_at <= milliseconds()
    return select(OutboxMessage).where(due).order_by(OutboxMessage.id).limit(limit)
