"""`quart events retire NAME`: a removed consumer's queues deleted, never with messages in them."""

from __future__ import annotations

import asyncio
from types import ModuleType

import pytest

from ...events.broker import Broker
from ...events.messages import Message
from ..plumbing import NO_EVENTS, create_app
from . import shipments
from .consumers import BROKER, NOTE, broker, needs_broker, taken

__all__ = ["broker"]


def retire(
    exchange: str, name: str, broker_url: str | None = BROKER, events: ModuleType = NO_EVENTS
) -> tuple[int, str]:
    """Run the command on an app with the consumers of `events` (none): exit code and output."""
    settings = {"TESTING": True, "BROKER_URL": broker_url, "EVENTS_EXCHANGE": exchange}
    app = create_app(settings, events=events)
    result = app.test_cli_runner().invoke(args=["events", "retire", name])
    return result.exit_code, result.output


@needs_broker
async def test_a_queue_with_a_message_is_kept_then_deleted_once_empty(broker: Broker) -> None:
    """A message waits: refused, saying where; taken, the queues go, the dead letters' too."""
    queue = broker.queue_of(NOTE)
    await broker.publish(Message("m1", NOTE.topic, '{"parcel_id": 1}'), job=False)
    # In a thread of its own, as a command runs: it starts an event loop of its own.
    code, output = await asyncio.to_thread(retire, broker.exchange, NOTE.name)
    assert code == 1
    assert f"messages wait, which deleting would lose: {queue} has 1" in output
    assert await taken(broker, queue) is not None
    code, output = await asyncio.to_thread(retire, broker.exchange, NOTE.name)
    assert code == 0, output
    assert output.splitlines() == [
        f"deleted {queue}",
        *(f"deleted {queue}.retry.{attempt}" for attempt in range(1, 5)),
        f"deleted {queue}.dead",
    ]
    again = await asyncio.to_thread(retire, broker.exchange, NOTE.name)
    assert again == (0, f"no queue of {queue} on the broker: nothing to do\n")


NOWHERE = "amqp://guest:guest@127.0.0.1:1/"  # nothing listens on port 1


@pytest.mark.parametrize(
    ("name", "broker_url", "events", "reason"),
    [
        ("notes.note_shipment", None, NO_EVENTS, "BROKER_URL is not set"),
        ("notes", NOWHERE, NO_EVENTS, "is not a consumer's name: module.function"),
        ("notes.note_shipment", NOWHERE, shipments, "notes.note_shipment is still in events/"),
        ("notes.note_shipment", NOWHERE, NO_EVENTS, "no broker answers at BROKER_URL"),
    ],
)
def test_what_cannot_be_retired_is_refused_with_a_reason(
    name: str, broker_url: str | None, events: ModuleType, reason: str
) -> None:
    """No broker, not module.function, a consumer still there, a broker away: one line says why."""
    code, output = retire("events", name, broker_url, events)
    assert code == 1
    assert reason in output
    assert "Traceback" not in output
