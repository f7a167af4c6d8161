"""make bench's worst case of the events: a backlog of slow handlers, and nothing lost.

BACKLOG messages wait in a consumer's queue at once, of twenty keys; each handler waits
HANDLER_SECONDS before it touches the database, holding its connection as a real one does. The
worker's consumers take them with the default pool, on the PostgreSQL at BENCH_DATABASE_URL
(the machine's, by default) or, where none answers, on a SQLite file. It prints their rate
against the most the pool allows (handlers at once / HANDLER_SECONDS), and fails if a message
is not done once, or had to be tried again.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path
from typing import TextIO

from sqlalchemy import ColumnElement, func, select, text

from bench.database import DATABASE_URL
from bench.topology import delete_topology
from myservice import create_app
from myservice.app import SERVICE
from myservice.core import Event, reading
from myservice.core.data.database import current_session
from myservice.core.data.migrations import upgrade
from myservice.core.events.broker import Broker
from myservice.core.events.consuming import Consuming
from myservice.core.events.handlers import Handler
from myservice.core.events.inbox import Consumers, Retries
from myservice.core.events.inbox_entries import InboxEntry
from myservice.core.events.messages import Message
from myservice.core.observability import logs
from myservice.core.testing.clean_databases import DatabaseServerUnreachable, DatabaseTemplate

BACKLOG = int(os.environ.get("BENCH_BACKLOG", "200"))
HANDLER_SECONDS = 0.2
KEYS = 20
LEAST_RATIO = 0.8


class Slow(Event, topic="bench.slow"):
    """A message whose handler takes its time."""

    number: int


async def slow(_event: Slow) -> None:
    """Wait, then touch the database: the connection is held all along, in the inbox's transaction."""
    await asyncio.sleep(HANDLER_SECONDS)
    await current_session().execute(text("SELECT 1"))


def measure_backlog(broker_url: str, directory: Path, discarded: TextIO) -> list[str]:
    """Print the backlog's figures; give the bars missed."""
    try:
        template: DatabaseTemplate | None = DatabaseTemplate(
            directory, SERVICE.migrations, DATABASE_URL
        )
    except DatabaseServerUnreachable:
        template = None
    if template is None:
        url, where = f"sqlite+aiosqlite:///{directory / 'backlog.db'}", "a SQLite file"
        upgrade(url, SERVICE.migrations)
    else:
        url, where = template.copy(directory), "PostgreSQL"
    try:
        return asyncio.run(_measure(broker_url, url, where, discarded))
    finally:
        if template is not None:
            template.drop(url)
            template.close()


async def _measure(broker_url: str, url: str, where: str, discarded: TextIO) -> list[str]:
    consumers = Consumers([Handler("bench.slow", Slow, slow)], Retries(5, 1))
    exchange = f"bench_{uuid.uuid4().hex[:8]}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "EVENTS_EXCHANGE": exchange})
    logs.init_app(app, discarded)
    concurrency = app.config["DATABASE_POOL_SIZE"] - 1  # as the worker runs them
    broker = await Broker.connect(broker_url, exchange, consumers, connect_timeout=5)
    print(
        f"==> events: a backlog of {BACKLOG}, handlers of {HANDLER_SECONDS} s,"
        f" {concurrency} at once, on {where}",
        flush=True,
    )
    try:
        async with app.test_app(), app.app_context():
            for number in range(BACKLOG):
                body = Slow(number=number).model_dump_json()
                message = Message(uuid.uuid4().hex, Slow.topic, body, str(number % KEYS))
                await broker.publish(message, job=False)
            consuming = Consuming(app, broker, consumers, concurrency)
            started = time.perf_counter()
            await consuming.start()
            done = await _done_within(BACKLOG * HANDLER_SECONDS + 60)
            seconds = time.perf_counter() - started
            await consuming.stop(grace=5)
            tried_again = await _count(InboxEntry.attempts > 1)
    finally:
        await delete_topology(broker, consumers.retries)
    rate, most = done / seconds, concurrency / HANDLER_SECONDS
    print()
    print(f"backlog: {done} of {BACKLOG} done, {BACKLOG - done} lost, {tried_again} tried again")
    met = "yes" if rate / most >= LEAST_RATIO else "NO"
    print(
        f"backlog: {rate:.1f}/s / the most the pool allows, {most:.0f}/s"
        f"   {rate / most:.2f}  (at least {LEAST_RATIO}: {met})"
    )
    failures = (
        [f"{BACKLOG - done} of the backlog's messages were not done"] if done < BACKLOG else []
    )
    failures += [f"{tried_again} of the backlog's messages were tried again"] if tried_again else []
    return failures + (
        [] if met == "yes" else [f"the backlog ran at {rate / most:.2f} of its most"]
    )


async def _done_within(seconds: float) -> int:
    """How many messages are done, once all are or `seconds` have passed."""
    deadline = time.monotonic() + seconds
    done = await _count(InboxEntry.state == "done")
    while done < BACKLOG and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        done = await _count(InboxEntry.state == "done")
    return done


async def _count(condition: ColumnElement[bool]) -> int:
    async with reading() as session:
        return int(await session.scalar(select(func.count()).where(condition)) or 0)
