"""Across processes: nothing acknowledged is lost, each key keeps its order, each message runs once.

Each test serves the tests' consumers for real (make serve, and make worker on an exchange of its
own), and reads what the consumers wrote and logged.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy.engine import make_url

from ...data.url import is_sqlite
from ...events.inbox_entries import InboxEntry
from ...testing.live_server import LiveServer
from ...testing.outage import Outage
from ..items import count_rows, item_names
from .consumers import BROKER, LIVE_APP, TICKING_APP, live_exchange, needs_broker
from .test_faults import counted

__all__ = ["live_exchange"]


@needs_broker
def test_a_backlog_of_slow_handlers_on_a_small_pool_loses_nothing(
    live_exchange: str, serve: Callable[..., LiveServer], database_url: str
) -> None:
    """Twelve handlers of 1 to 2 s, three connections, a 1 s pool timeout: each once, none dead."""
    settings = {
        "BROKER_URL": BROKER,
        "EVENTS_EXCHANGE": live_exchange,
        "DATABASE_POOL_SIZE": 3,
        "DATABASE_POOL_TIMEOUT": 1,
    }
    worker = serve(factory=LIVE_APP, ROLE="worker", **settings)
    web = serve(factory=LIVE_APP, **settings)
    assert web.request("POST", "/_steps/12/1/2.0")[0] == 201
    handled = counted(database_url, "s", 12, seconds=60)
    assert handled == 12, "".join(worker.lines[-10:])
    retried = InboxEntry.state != "done"
    assert asyncio.run(count_rows(database_url, InboxEntry, retried)) == 0


@needs_broker
def test_each_key_is_handled_in_order_across_workers_and_replicas(
    live_exchange: str, serve: Callable[..., LiveServer], database_url: str
) -> None:
    """Eight steps of four parcels, interleaved, random handler times, three worker processes."""
    settings = {"BROKER_URL": BROKER, "EVENTS_EXCHANGE": live_exchange}
    serve(factory=LIVE_APP, ROLE="worker", workers=2, **settings)
    serve(factory=LIVE_APP, ROLE="worker", **settings)
    web = serve(factory=LIVE_APP, **settings)
    assert web.request("POST", "/_steps/4/8/0.2")[0] == 201
    assert counted(database_url, "s", 32, seconds=60) == 32
    assert_in_order(database_url, parcels=4, steps=8)


@needs_broker
@pytest.mark.parametrize("seconds", [0.5, 3.0])
def test_the_database_away_mid_handler_loses_doubles_and_reorders_nothing(
    live_exchange: str, serve: Callable[..., LiveServer], database_url: str, seconds: float
) -> None:
    """The worker's database connections cut mid-handler, refused a while: each step once, in order.

    Half a second: handlers wake to a dead connection and a database back; three: they find it away.
    """
    if is_sqlite(database_url):
        pytest.skip("a SQLite file has no server to lose; make test-servers runs it on PostgreSQL")
    server = make_url(database_url)
    outage = Outage(server.host or "127.0.0.1", server.port or 5432)
    try:
        settings = {"BROKER_URL": BROKER, "EVENTS_EXCHANGE": live_exchange}
        worker = serve(
            factory=LIVE_APP, ROLE="worker", DATABASE_URL=outage.url_of(database_url), **settings
        )
        web = serve(factory=LIVE_APP, **settings)
        assert web.request("POST", "/_steps/4/3/2.0")[0] == 201
        time.sleep(1.5)  # handlers in the middle of their wait, connection in hand
        outage.down()
        time.sleep(seconds)
        outage.up()
        handled = counted(database_url, "s", 12, seconds=60)
        assert handled == 12, "".join(worker.lines[-10:])
    finally:
        outage.close()
    assert_in_order(database_url, parcels=4, steps=3)
    assert asyncio.run(count_rows(database_url, InboxEntry, InboxEntry.state != "done")) == 0


def assert_in_order(database_url: str, parcels: int, steps: int) -> None:
    """Each parcel's steps were written in the order published, each once."""
    names = asyncio.run(item_names(database_url, "s"))
    for parcel in range(parcels):
        done = [int(name.split()[1]) for name in names if name.startswith(f"s{parcel} ")]
        assert done == list(range(steps)), f"parcel {parcel}'s steps were handled as {done}"


def test_without_a_broker_each_message_is_handled_by_one_process(
    serve: Callable[..., LiveServer], database_url: str
) -> None:
    """Two serving processes, no broker: each handler runs once per event, never a duplicate."""
    web = serve(workers=2, factory=LIVE_APP)
    for parcel in range(40):
        assert web.request("POST", f"/_ship/{parcel}")[0] == 201
    assert counted(database_url, "parcel ", 40) == 40
    assert counted(database_url, "flaky ", 40) == 40
    runs = Counter(json.loads(line)["outcome"] for line in web.lines if '"event":"message"' in line)
    assert runs == {"done": 80}


@needs_broker
def test_three_workers_fire_each_tick_once_through_one_killed_and_restarted(
    live_exchange: str, serve: Callable[..., LiveServer], database_url: str
) -> None:
    """A beat a second; three workers on two servers, one SIGKILLed and started again.

    No beat is taken twice, and none is missed between the first and the last.
    """
    settings = {"BROKER_URL": BROKER, "EVENTS_EXCHANGE": live_exchange}
    pair = serve(factory=TICKING_APP, ROLE="worker", workers=2, **settings)
    third = serve(factory=TICKING_APP, ROLE="worker", **settings)
    time.sleep(4)
    third.kill()
    time.sleep(2)
    again = serve(factory=TICKING_APP, ROLE="worker", **settings)
    time.sleep(4)
    assert_beats_once_each(database_url, at_least=8, servers=(pair, third, again))


def test_without_a_broker_two_processes_fire_each_tick_once(
    serve: Callable[..., LiveServer], database_url: str
) -> None:
    """Two serving processes, no broker: they fire, and deliver, each beat once."""
    web = serve(workers=2, factory=TICKING_APP)
    time.sleep(5)
    assert_beats_once_each(database_url, at_least=3, servers=(web,))


def assert_beats_once_each(
    database_url: str, at_least: int, servers: tuple[LiveServer, ...]
) -> None:
    """The beats noted are one a second, with no gap, and none failed.

    No handler failed on a second firing, and no process failed to fire (the turn keeps them
    from colliding).
    """
    beats = sorted(int(name[1:]) for name in asyncio.run(item_names(database_url, "b")))
    lines = [line for server in servers for line in server.lines]
    assert len(beats) >= at_least, "".join(lines[-10:])
    assert beats == list(range(beats[0], beats[0] + len(beats))), f"beats noted: {beats}"
    outcomes = Counter(json.loads(line)["outcome"] for line in lines if '"event":"message"' in line)
    assert set(outcomes) == {"done"}, outcomes
    assert not [line for line in lines if "schedules could not be fired" in line]
