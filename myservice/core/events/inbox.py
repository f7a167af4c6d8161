"""The inbox: each message taken once by each handler, its effects and its record committed together.

handle() runs a handler on a message in one transaction that also writes the inbox record of
(handler, message id): a message delivered twice (a broker's redelivery, a relay that published
again after a crash) finds its record and takes effect once. A handler that fails is rolled back
and its message tried again after a growing delay (EVENTS_RETRY_DELAY, doubled each time); after
EVENTS_MAX_ATTEMPTS, or at once for a message that does not validate, it is dead: its record keeps
the body and the reason, the dead-letter queue of the embedded delivery, and the log says why.
A member the model does not name is ignored, so that a publisher may add one to its event
without killing the messages of the consumers that do not know it yet. The database away (a
restart, no connection to be had) is no failure of the message's: it is not counted, and rises
to the delivery, which keeps the message where it is, in its place, and tries again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import structlog
from pydantic import ValidationError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from ..data.database import transaction
from ..data.outages import DatabaseAway
from ..data.tables import milliseconds
from ..http.request_ids import continuing
from ..observability.tracing import Tracing
from .event_metrics import EventMetrics
from .handlers import Handler
from .inbox_entries import InboxEntry, Outcome, entry_of, write_entry
from .messages import Message
from .outbox import REQUEST_ID


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
    with continuing(message.headers.get(REQUEST_ID)):
        if tracing is None:
            outcome = await _handle(handler, message, retries, scheduled)
        else:
            with tracing.consumer_span(message.topic, handler.name, message.headers) as span:
                outcome = await _handle(handler, message, retries, scheduled)
                span.set_attribute("messaging.message.id", message.id)
                span.set_attribute("outcome", outcome.state)
        if outcome.state == "waiting":
            return outcome  # nothing ran: neither counted nor logged
        seconds = time.perf_counter() - started
        if metrics is not None:
            metrics.handled_by(handler.name, outcome.state, seconds)
        # A logger got now, not at import: it writes where logging is configured at this time.
        structlog.get_logger(__name__).log(
            40 if outcome.state == "dead" else 20,
            "message",
            topic=message.topic,
            message_id=message.id,
            duration_ms=round(seconds * 1000, 2),
            reason=outcome.reason,
            handler=handler.name,
            outcome=outcome.state,
            attempts=outcome.attempts,
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
                event = handler.model.model_validate_json(message.payload, extra="ignore")
            except ValidationError as error:
                invalid = error.errors(include_url=False)
                reason = f"the message does not validate as {handler.model.__name__}: {invalid}"
                raise _Invalid(reason) from None
            await handler.function(event)
            await session.flush()  # the handler's own errors are its failures, not duplicates
            if not await write_entry(
                session, entry, entry_of(handler, message, Outcome("done", attempts))
            ):
                raise _Duplicate  # another delivery of it committed first: this one rolls back
    except _Duplicate:
        return Outcome("duplicate", attempts)
    except _Invalid as invalid:
        return await _failed(handler, message, retries, str(invalid), dead=True)
    except (DatabaseAway, PoolTimeoutError):
        raise  # not the message's failure: the delivery keeps it, in its place, and tries again
    except Exception as error:
        structlog.get_logger(__name__).warning(
            "handler failed", handler=handler.name, message_id=message.id, exc_info=True
        )
        return await _failed(handler, message, retries, f"{type(error).__name__}: {error}")
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


class _Invalid(Exception):  # noqa: N818 (carries the reason out of the transaction)
    pass


async def _failed(
    handler: Handler, message: Message, retries: Retries, reason: str, *, dead: bool = False
) -> Outcome:
    """Count the failed attempt and record it, as a retry or dead, in a transaction of its own.

    The attempt is counted here, from the record as it stands, whatever the handler's
    transaction got to read before it failed. Never over the record of a delivery that
    succeeded meanwhile: this one was a duplicate. Where even this cannot be written, the error
    rises to the delivery, which leaves the message where it was, to be tried again.
    """
    attempts = 0
    try:
        async with transaction() as session:
            entry = await session.get(InboxEntry, (handler.name, message.id), with_for_update=True)
            if entry is not None and entry.state != "retry":
                return Outcome("duplicate", entry.attempts)
            attempts = (entry.attempts if entry is not None else 0) + 1
            if dead or attempts >= retries.max_attempts:
                outcome = Outcome("dead", attempts, reason=reason)
            else:
                next_at = milliseconds() + retries.delay_ms(attempts)
                outcome = Outcome("retry", attempts, next_at, reason)
            if not await write_entry(session, entry, entry_of(handler, message, outcome)):
                raise _Duplicate
    except _Duplicate:
        return Outcome("duplicate", attempts)
    return outcome
