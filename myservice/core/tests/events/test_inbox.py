"""handle(): each message once per handler; failures retried later, then dead; poison dead at once."""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from quart import Quart

from ...data.database import reading, transaction
from ...data.tables import milliseconds
from ...events.inbox import Consumers, Retries, handle
from ...events.inbox_entries import InboxEntry
from ...events.messages import Message
from ...observability import logs
from .consumers import FLAKY, NOTE, consuming, failures, items

__all__ = ["consuming"]
RETRIES = Retries(max_attempts=3, first_delay=1)
CONSUMING = Consumers([NOTE, FLAKY], RETRIES)
SHIPPED = Message("m1", "parcel.shipped", '{"parcel_id": 1}', headers={"x-request-id": "r1"})


async def entry(handler: str, message_id: str = "m1") -> InboxEntry | None:
    """The inbox record of a handler and message."""
    async with reading() as session:
        return await session.get(InboxEntry, (handler, message_id))


async def test_a_message_delivered_twice_takes_effect_once(consuming: Quart) -> None:
    """The second delivery finds the inbox record: a duplicate, and no second item."""
    assert (await handle(NOTE, SHIPPED, CONSUMING)).state == "done"
    assert (await handle(NOTE, SHIPPED, CONSUMING)).state == "duplicate"
    assert await items() == ["parcel 1"]


async def test_two_deliveries_at_once_take_effect_once(consuming: Quart) -> None:
    """A redelivery while the first still runs: one is done, the other rolled back as a duplicate."""
    outcomes = await asyncio.gather(*(handle(NOTE, SHIPPED, CONSUMING) for _ in range(2)))
    assert sorted(outcome.state for outcome in outcomes) == ["done", "duplicate"]
    assert (await handle(NOTE, SHIPPED, CONSUMING)).state == "duplicate"
    assert await items() == ["parcel 1"]


async def test_a_failing_handler_is_rolled_back_and_tried_later(consuming: Quart) -> None:
    """A failure writes nothing, waits its delay, then succeeds on a later try."""
    failures["left"] = 1
    failed = await handle(FLAKY, SHIPPED, CONSUMING)
    assert (failed.state, failed.attempts) == ("retry", 1)
    assert failed.next_at is not None
    assert 900 <= failed.next_at - milliseconds() <= 1000
    assert await items() == []
    assert (await handle(FLAKY, SHIPPED, CONSUMING)).state == "waiting"
    record = await entry(FLAKY.name)
    assert record is not None
    assert record.error == "ConnectionError: the mail server hung up"
    await _due_now(FLAKY.name)
    succeeded = await handle(FLAKY, SHIPPED, CONSUMING)
    assert (succeeded.state, succeeded.attempts) == ("done", 2)
    assert await items() == ["flaky 1"]


async def test_after_the_last_try_a_message_is_dead_with_its_body(consuming: Quart) -> None:
    """EVENTS_MAX_ATTEMPTS failures: dead, its body and reason kept, and no more tries."""
    failures["left"] = 10
    for _ in range(RETRIES.max_attempts - 1):
        assert (await handle(FLAKY, SHIPPED, CONSUMING)).state == "retry"
        await _due_now(FLAKY.name)
    dead = await handle(FLAKY, SHIPPED, CONSUMING)
    assert (dead.state, dead.attempts) == ("dead", 3)
    record = await entry(FLAKY.name)
    assert record is not None
    assert (record.state, record.payload) == ("dead", SHIPPED.payload)
    assert (await handle(FLAKY, SHIPPED, CONSUMING)).state == "duplicate"


@pytest.mark.parametrize("payload", ['{"parcel_id": "x"}', "not json", '{"id": 1}'])
async def test_a_message_that_does_not_validate_is_dead_at_once(
    consuming: Quart, payload: str
) -> None:
    """Poison is not retried: dead on the first try, the reason naming the model."""
    outcome = await handle(NOTE, Message("m2", "parcel.shipped", payload), CONSUMING)
    assert (outcome.state, outcome.attempts) == ("dead", 1)
    assert outcome.reason is not None
    assert outcome.reason.startswith("the message does not validate as Shipped")
    assert await items() == []


async def test_a_member_the_consumer_does_not_know_is_ignored(consuming: Quart) -> None:
    """A publisher added a field: the older consumer takes the message, done, not dead."""
    grown = Message("m3", "parcel.shipped", '{"parcel_id": 3, "carrier": {"name": "post"}}')
    assert (await handle(NOTE, grown, CONSUMING)).state == "done"
    assert await items() == ["parcel 3"]


async def test_each_message_handled_is_one_log_line(consuming: Quart) -> None:
    """Topic, id, handler, outcome, attempts, duration and the request's id, in one line."""
    lines = io.StringIO()
    logs.init_app(consuming, lines)
    await handle(NOTE, SHIPPED, CONSUMING)
    [line] = [json.loads(text) for text in lines.getvalue().splitlines() if '"message"' in text]
    assert {
        key: line[key] for key in ("topic", "message_id", "handler", "outcome", "attempts")
    } == {
        "topic": "parcel.shipped",
        "message_id": "m1",
        "handler": "notes.note_shipment",
        "outcome": "done",
        "attempts": 1,
    }
    assert line["request_id"] == "r1"
    assert line["duration_ms"] >= 0


@pytest.mark.parametrize(("sent", "kept"), [("r1", True), ("r1\n{forged}", False)])
async def test_a_consumers_own_lines_name_the_request_that_caused_them(
    consuming: Quart, sent: str, kept: bool
) -> None:
    """The handler's log line carries the message's request id, if safe; a new one if not."""
    lines = io.StringIO()
    logs.init_app(consuming, lines)
    message = Message("m4", "parcel.shipped", '{"parcel_id": 4}', headers={"x-request-id": sent})
    await handle(NOTE, message, CONSUMING)
    [line] = [json.loads(text) for text in lines.getvalue().splitlines() if "parcel noted" in text]
    assert (line["request_id"] == sent) is kept
    assert line["request_id"]


async def _due_now(handler: str) -> None:
    """Make the retry of `handler`'s record due now, as waiting its delay would."""
    async with transaction() as session:
        record = await session.get(InboxEntry, (handler, "m1"))
        assert record is not None
        record.next_at = milliseconds()
