"""The inbox's rows: what became of each message for each handler, written only as it was seen.

A row is inserted for a message a handler had not taken (a delivery that inserted it meanwhile
makes that a key conflict), or updated from the retry this delivery saw, never over another
delivery's outcome: that is what makes a message take effect once (inbox.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import BigInteger, Integer, String, Text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from ..data.tables import Base, milliseconds
from .handlers import Handler
from .messages import TOPIC_LENGTH, Message


class InboxEntry(Base):
    """What became of one message for one handler: done, to retry at `next_at`, or dead."""

    __tablename__ = "inbox"

    handler: Mapped[str] = mapped_column(String(255), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    topic: Mapped[str] = mapped_column(String(TOPIC_LENGTH))
    state: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer)
    next_at: Mapped[int | None] = mapped_column(BigInteger)  # milliseconds since the epoch
    updated_at: Mapped[int] = mapped_column(BigInteger, index=True)
    error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str | None] = mapped_column(Text)  # kept once dead


@dataclass(frozen=True)
class Outcome:
    """What handling did: done, a duplicate, waiting for a retry at `next_at`, or dead."""

    state: Literal["done", "duplicate", "waiting", "retry", "dead"]
    attempts: int = 0
    next_at: int | None = None
    reason: str | None = None


async def write_entry(session: AsyncSession, seen: InboxEntry | None, record: InboxEntry) -> bool:
    """Write `record` if the inbox is still as this delivery saw it (`seen`); False if not.

    A record that was not there is inserted, and a delivery that inserted it meanwhile makes
    that a key conflict; one that was a retry is updated only while it is the retry seen. An
    update where the row turned up since would overwrite another delivery's outcome.
    """
    if seen is None:
        session.add(record)
        try:
            await session.flush()
        except IntegrityError:
            return False
        return True
    same = (
        InboxEntry.handler == seen.handler,
        InboxEntry.message_id == seen.message_id,
        InboxEntry.state == "retry",
        InboxEntry.attempts == seen.attempts,
    )
    values = {
        column: getattr(record, column)
        for column in ("state", "attempts", "next_at", "updated_at", "error", "payload")
    }
    written = await session.execute(update(InboxEntry).where(*same).values(**values))
    return getattr(written, "rowcount", 0) == 1


def entry_of(handler: Handler, message: Message, outcome: Outcome) -> InboxEntry:
    """The row that records `outcome` of `message` for `handler`."""
    return InboxEntry(
        handler=handler.name,
        message_id=message.id,
        topic=message.topic,
        state=outcome.state,
        attempts=outcome.attempts,
        next_at=outcome.next_at,
        updated_at=milliseconds(),
        error=outcome.reason,
        payload=message.payload if outcome.state == "dead" else None,
    )
