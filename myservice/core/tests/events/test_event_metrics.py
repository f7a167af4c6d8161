"""The events' metrics on /metrics: published, pending, handled by outcome, dead, duration."""

from __future__ import annotations

from quart import Quart

from ...data.database import transaction
from ...events import without_broker
from ...events.event_metrics import OutboxWatch
from ...events.inbox import handle
from ...events.messages import Message
from ...events.outbox import publish
from ...events.without_broker import deliver
from .consumers import NOTE, consuming, failures
from .test_messages import Shipped

__all__ = ["consuming"]


async def scraped(app: Quart) -> dict[str, float]:
    """The samples of /metrics whose names start with events_, by name and labels."""
    text = await (await app.test_client().get("/metrics")).get_data(as_text=True)
    samples = [line.rsplit(" ", 1) for line in text.splitlines() if line.startswith("events_")]
    return {name: float(value) for name, value in samples}


async def test_a_delivery_is_counted_by_topic_handler_and_outcome(consuming: Quart) -> None:
    """Two events, one failure: two published, three done, one retry, none pending after."""
    failures["left"] = 1
    async with transaction():
        await publish(Shipped(parcel_id=1))
        await publish(Shipped(parcel_id=2))
    await deliver(consuming)
    samples = await scraped(consuming)
    assert samples['events_handled_total{handler="notes.note_shipment",outcome="done"}'] == 2
    assert samples['events_handled_total{handler="notes.flaky_note",outcome="done"}'] == 1
    assert samples['events_handled_total{handler="notes.flaky_note",outcome="retry"}'] == 1
    assert samples['events_published_total{topic="parcel.shipped"}'] == 1  # the other waits
    assert samples["events_outbox_pending"] == 1
    assert samples['events_handler_duration_seconds_count{handler="notes.note_shipment"}'] == 2


async def test_a_dead_message_is_counted_dead(consuming: Quart) -> None:
    """A message that does not validate counts as handled dead, and dead-lettered."""
    poison = Message("m9", "parcel.shipped", "not json")
    await handle(NOTE, poison, consuming.extensions[without_broker.EXTENSION_KEY])
    samples = await scraped(consuming)
    assert samples['events_dead_lettered_total{handler="notes.note_shipment"}'] == 1
    assert samples['events_handled_total{handler="notes.note_shipment",outcome="dead"}'] == 1


async def test_the_outbox_gauges_are_looked_at_again_now_and_then(consuming: Quart) -> None:
    """Another process emptied the outbox: this one's gauges come back to 0 at its next look."""
    metrics = consuming.extensions[without_broker.EXTENSION_KEY].metrics
    metrics.pending.set(2)  # what it saw before another process relayed them
    metrics.oldest.set(12.0)
    watch = OutboxWatch(metrics)
    await watch.now_and_then()
    samples = await scraped(consuming)
    assert (samples["events_outbox_pending"], samples["events_outbox_oldest_seconds"]) == (0, 0)
    metrics.pending.set(3)
    await watch.now_and_then()  # within LOOK_EVERY of the last look: not again
    assert (await scraped(consuming))["events_outbox_pending"] == 3
