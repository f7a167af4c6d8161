"""The inbox: each message taken once by each handler, its effects and its record committed together.

handle() runs a handler on a message in one transaction that also writes the inbox record of
(handler, message id): a message delivered twice (a broker's redelivery, a relay that published
again after a crash) finds its record and takes effect once. A handler that fails is rolled back
and its message tried again after a growing delay (EVENTS_RETRY_DELAY, doubled each time); after
EVENTS_MAX_ATTEMPTS, or at once for a message that does not validate, it is dead: its record keeps
the body and the reason, the dead-letter queue of the embedded delivery, and the log says why.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import structlog
from pydantic import ValidationError
from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..data.database import transaction
from ..data.tables import Base
from ..observability.tracing import Tracing
from .event_metrics import EventMetrics
from .handlers import Handler
from .messages import TOPIC_LENGTH, Message
from .outbox import REQUEST_ID, milliseconds


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


@dataclass(frozen=True)
class Retries:
    """How often, and how far apart, a failing handler is tried."""

    max_attempts: int
    first_delay: float

    def delay_ms(self, attempts: int) -> int:
        """The wait before the try after `attempts` failed ones: 1 s, 2 s, 4 s, ..."""
        return round(self.first_delay * 1000 * 2.0 ** (attempts - 1))


@dataclass(frozen=True)
class Consumers:
    """An app's handlers, how their failures are retried, and the metrics they are counted in."""

    handlers: list[Handler]
    retries: Retries
    metrics: EventMetrics | None = None
    tracing: Tracing | None = None


async def handle(
    handler: Handler, message: Message, consumers: Consumers, *, scheduled: bool = True
) -> Outcome:
    """Run `handler` on `message` once, unless it ran already; log, count, and say what happened.

    `scheduled`: a retry not yet due waits (the outbox's delivery); a broker's retry queue has
    waited already.
    """
    retries, metrics, tracing = consumers.retries, consumers.metrics, consumers.tracing
    started = time.perf_counter()
    if tracing is None:
        outcome = await _handle(handler, message, retries, scheduled)
    else:
        with tracing.consumer_span(message.topic, handler.name, message.headers) as span:
            outcome = await _handle(handler, message, retries, scheduled)
            span.set_attribute("messaging.message.id", message.id)
            span.set_attribute("outcome", outcome.state)
    log_fields = {"handler": handler.name, "outcome": outcome.state, "attempts": outcome.attempts}
    seconds = time.perf_counter() - started
    if outcome.state != "waiting" and metrics is not None:
        metrics.handled_by(handler.name, outcome.state, seconds)
    if outcome.state != "waiting":
        # A logger got now, not at import: it writes where logging is configured at this time.
        structlog.get_logger(__name__).log(
            40 if outcome.state == "dead" else 20,
            "message",
            topic=message.topic,
            message_id=message.id,
            request_id=message.headers.get(REQUEST_ID),
            duration_ms=round(seconds * 1000, 2),
            reason=outcome.reason,
            **log_fields,
        )
    return outcome


async def _handle(handler: Handler, message: Message, retries: Retries, scheduled: bool) -> Outcome:
    attempts = 0
    try:
        async with transaction() as session:
            entry = await session.get(InboxEntry, (handler.name, message.id), with_for_update=True)
            earlier = _earlier(entry, scheduled)
            if earlier is not None:
                return earlier
            attempts = (entry.attempts if entry is not None else 0) + 1
            try:
                event = handler.model.model_validate_json(message.payload)
            except ValidationError as error:
                invalid = error.errors(include_url=False)
                reason = f"the message does not validate as {handler.model.__name__}: {invalid}"
                return await _record(handler, message, Outcome("dead", attempts, reason=reason))
            await handler.function(event)
            await session.flush()  # the handler's own errors are its failures, not duplicates
            try:
                await session.merge(_entry(handler, message, Outcome("done", attempts)))
                await session.flush()
            except IntegrityError:
                raise _Duplicate from None  # another delivery of it committed first
    except _Duplicate:
        return Outcome("duplicate", attempts)
    except Exception as error:
        structlog.get_logger(__name__).warning(
            "handler failed", handler=handler.name, message_id=message.id, exc_info=True
        )
        reason = f"{type(error).__name__}: {error}"
        if attempts >= retries.max_attempts:
            return await _record(handler, message, Outcome("dead", attempts, reason=reason))
        next_at = milliseconds() + retries.delay_ms(attempts)
        return await _record(handler, message, Outcome("retry", attempts, next_at, reason))
    return Outcome("done", attempts)


def _earlier(entry: InboxEntry | None, scheduled: bool) -> Outcome | None:
    """What an earlier delivery leaves for this one: nothing to do, or a retry not yet due."""
    if entry is None:
        return None
    if entry.state != "retry":
        return Outcome("duplicate", entry.attempts)
    if scheduled and (entry.next_at or 0) > milliseconds():
        return Outcome("waiting", entry.attempts, entry.next_at)
    return None


class _Duplicate(Exception):  # noqa: N818 (rolls the second delivery back)
    pass


async def _record(handler: Handler, message: Message, outcome: Outcome) -> Outcome:
    """Write a failure's record; in a transaction of its own if the handler's was rolled back.

    Never over the record of a delivery that succeeded meanwhile: this one was a duplicate.
    """
    async with transaction() as session:
        entry = await session.get(InboxEntry, (handler.name, message.id), with_for_update=True)
        if entry is not None and entry.state != "retry" and outcome.state != "dead":
            return Outcome("duplicate", entry.attempts)
        await session.merge(_entry(handler, message, outcome))
    return outcome


def _entry(handler: Handler, message: Message, outcome: Outcome) -> InboxEntry:
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
