"""make bench's events: commit to consumer, the relay against aio-pika alone, a backlog's worst.

On the RabbitMQ at BENCH_BROKER_URL (the machine's, guest/guest on 127.0.0.1:5672, by default),
on exchanges and queues of the run's own, deleted after; on a SQLite file, migrated. Where no
broker answers, the figures are skipped with a line saying so.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path
from typing import TextIO

from bench.backlog import measure_backlog
from bench.topology import delete_topology
from myservice import create_app
from myservice.app import SERVICE
from myservice.core import Event, transaction
from myservice.core.data.migrations import upgrade
from myservice.core.events.broker import Broker
from myservice.core.events.consuming import Consuming
from myservice.core.events.handlers import Handler
from myservice.core.events.inbox import Consumers, Retries
from myservice.core.events.messages import Message
from myservice.core.events.outbox import publish
from myservice.core.events.relay import BATCH, relay, relay_forever
from myservice.core.observability import logs

BROKER_URL = os.environ.get("BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "2000"))
LEAST_RELAY_RATIO = 0.5


class Measured(Event, topic="bench.measured"):
    """A message of the benchmark's."""

    number: int


def measure_events(directory: Path) -> list[str]:
    """Print the events' figures and ratio; give the bars missed."""
    url = f"sqlite+aiosqlite:///{directory / 'events.db'}"
    upgrade(url, SERVICE.migrations)
    try:
        with Path(os.devnull).open("w", encoding="utf-8") as discarded:
            failures = asyncio.run(_measure(url, discarded))
            return failures + measure_backlog(BROKER_URL, directory, discarded)
    except OSError as error:
        print(f"events: skipped, no RabbitMQ answers at {BROKER_URL} ({error})")
        return []


async def _measure(url: str, discarded: TextIO) -> list[str]:
    taken: list[int] = []

    async def count(event: Measured) -> None:
        taken.append(event.number)

    consumers = Consumers([Handler("bench.count", Measured, count)], Retries(2, 1))
    exchange = f"bench_{uuid.uuid4().hex[:8]}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "EVENTS_EXCHANGE": exchange})
    # A log line per message is part of the cost; thousands of them on the terminal are not.
    logs.init_app(app, discarded)
    broker = await Broker.connect(BROKER_URL, exchange, consumers, connect_timeout=5)
    queue = broker.queue_of(consumers.handlers[0])
    try:
        async with app.test_app(), app.app_context():
            print(f"==> events: {MESSAGES} published with aio-pika alone, then relayed", flush=True)
            raw = await _raw_rate(broker)
            await broker.queues[queue].purge()
            relayed = await _relay_rate(broker)
            await broker.queues[queue].purge()
            print(f"==> events: {MESSAGES} from commit to consumer", flush=True)
            consumed = await _end_to_end_rate(app, broker, consumers, taken)
    finally:
        await delete_topology(broker, consumers.retries)
    ratio = relayed / raw
    print()
    print(f"events from commit to consumer: {consumed:.0f}/s")
    print(f"relay: {relayed:.0f}/s, aio-pika publishing with confirms alone: {raw:.0f}/s")
    met = "yes" if ratio >= LEAST_RELAY_RATIO else "NO"
    print(f"the relay / aio-pika alone        {ratio:.2f}  (at least {LEAST_RELAY_RATIO}: {met})")
    return [] if ratio >= LEAST_RELAY_RATIO else [f"the relay is {ratio:.2f} of aio-pika alone"]


async def _raw_rate(broker: Broker) -> float:
    """Messages a second that aio-pika publishes with confirms, BATCH at a time as the relay does."""
    started = time.perf_counter()
    for first in range(0, MESSAGES, BATCH):
        await asyncio.gather(
            *(
                broker.publish(
                    Message(uuid.uuid4().hex, Measured.topic, '{"number": 0}'), job=False
                )
                for _ in range(first, min(first + BATCH, MESSAGES))
            )
        )
    return MESSAGES / (time.perf_counter() - started)


async def _relay_rate(broker: Broker) -> float:
    """Messages a second the relay moves from a full outbox to the broker."""
    async with transaction():
        for number in range(MESSAGES):
            await publish(Measured(number=number))
    started = time.perf_counter()
    while await relay(broker):
        pass
    return MESSAGES / (time.perf_counter() - started)


async def _end_to_end_rate(
    app: object, broker: Broker, consumers: Consumers, taken: list[int]
) -> float:
    """Events a second from the commit of each, one a transaction, to its consumer's commit."""
    consuming = Consuming(app, broker, consumers)  # type: ignore[arg-type]
    await consuming.start()
    relaying = asyncio.create_task(relay_forever(broker, None))
    started = time.perf_counter()
    for number in range(MESSAGES):
        async with transaction():
            await publish(Measured(number=number))
    for _ in range(12_000):  # two minutes at most
        if len(taken) >= MESSAGES:
            break
        await asyncio.sleep(0.01)
    seconds = time.perf_counter() - started
    relaying.cancel()
    await consuming.stop(grace=5)
    return len(taken) / seconds
