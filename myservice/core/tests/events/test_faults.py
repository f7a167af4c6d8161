"""Faults of our own, counted end to end: kills, and the broker's connections closed under load.

Each test serves the tests' consumers for real (make serve and make worker), on an exchange of
its own, and counts the rows the consumers wrote: every event of an acknowledged write once.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from ...events.outbox import OutboxMessage
from ...identity import SERVICE
from ...testing.live_server import LiveServer
from ..items import count_items, count_rows
from .consumers import BROKER, LIVE_APP, live_exchange, needs_broker

__all__ = ["live_exchange"]
pytestmark = needs_broker
WRITES = 20


def counted(url: str, prefix: str, expected: int, seconds: float = 30) -> int:
    """The items of `prefix` once there are `expected`, or after `seconds`; then a moment more."""
    for _ in range(int(seconds * 10)):
        if asyncio.run(count_items(url, prefix)) >= expected:
            break
        time.sleep(0.1)
    time.sleep(0.5)  # a second delivery, were there one, would show by now
    return asyncio.run(count_items(url, prefix))


def ship(server: LiveServer, parcels: range) -> None:
    """POST each parcel; each answer is a 201, so each event is acknowledged."""
    for parcel in parcels:
        assert server.request("POST", f"/_ship/{parcel}")[0] == 201


def test_every_acknowledged_write_reaches_the_consumers_after_the_web_is_killed(
    live_exchange: str, serve: Callable[..., LiveServer], database_url: str
) -> None:
    """SIGKILL the web after its 201s: the worker relays what it left, each event once."""
    settings = {"BROKER_URL": BROKER, "EVENTS_EXCHANGE": live_exchange}
    web = serve(factory=LIVE_APP, **settings)
    ship(web, range(WRITES))
    web.kill()
    serve(factory=LIVE_APP, ROLE="worker", **settings)
    assert counted(database_url, "parcel ", WRITES) == WRITES
    assert counted(database_url, "flaky ", WRITES) == WRITES


def test_a_worker_killed_mid_message_leaves_it_to_the_next_once(
    live_exchange: str, serve: Callable[..., LiveServer], database_url: str
) -> None:
    """SIGKILL the worker while a handler runs: nothing written; the next worker writes it once."""
    settings = {"BROKER_URL": BROKER, "EVENTS_EXCHANGE": live_exchange}
    worker = serve(factory=LIVE_APP, ROLE="worker", **settings)
    web = serve(factory=LIVE_APP, **settings)
    assert web.request("POST", "/_delay/1/6.0")[0] == 201
    queue = f"{live_exchange}.{SERVICE}.delays.note_after_a_while"
    # In the worker's hands, mid-handler (on SQLite the web and the worker may both relay it).
    assert in_hand(queue) >= 1
    worker.kill()
    assert asyncio.run(count_items(database_url, "delayed ")) == 0
    serve(factory=LIVE_APP, ROLE="worker", **settings)
    assert counted(database_url, "delayed ", 1) == 1


def test_a_worker_told_to_stop_finishes_the_message_in_hand(
    live_exchange: str, serve: Callable[..., LiveServer], database_url: str
) -> None:
    """SIGTERM mid-handler: the worker takes no more, finishes this one, and exits 0."""
    settings = {"BROKER_URL": BROKER, "EVENTS_EXCHANGE": live_exchange, "DRAIN_DELAY": 0}
    worker = serve(factory=LIVE_APP, ROLE="worker", **settings)
    web = serve(factory=LIVE_APP, **settings)
    assert web.request("POST", "/_delay/1/6.0")[0] == 201
    queue = f"{live_exchange}.{SERVICE}.delays.note_after_a_while"
    assert in_hand(queue) >= 1
    assert worker.stop(signal.SIGTERM) == 0, "\n".join(worker.lines[-15:])
    assert asyncio.run(count_items(database_url, "delayed ")) == 1
    assert unacknowledged(queue) == 0
    # The consumers and the relay stopped before the database closed: no failure on the way out.
    assert not [line for line in worker.lines if '"level":"warning"' in line], worker.lines


def in_hand(queue: str, seconds: float = 20) -> int:
    """How many messages of `queue` a consumer has in hand, once one has (or after `seconds`).

    Relayed and taken within a tenth of a second when the machine is idle, but a loaded one (a
    suite running inside another) takes longer: the handlers here sleep for 6 s, longer than a
    look at the broker (rabbitmqctl starts a virtual machine of its own, about a second).
    """
    deadline = time.monotonic() + seconds
    while (count := unacknowledged(queue)) == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    return count


def unacknowledged(queue: str) -> int:
    """How many messages of `queue` (on the default virtual host) a consumer has in hand."""
    listed = rabbitmqctl("list_queues", "name", "messages_unacknowledged")
    counts = dict(line.split("\t") for line in listed.splitlines() if "\t" in line)
    return int(counts[queue])


@pytest.fixture
def vhost() -> Iterator[str]:
    """A virtual host of the test's own on the broker, so that closing its connections spares others."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    rabbitmqctl("add_vhost", name)
    rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    yield name
    rabbitmqctl("delete_vhost", name)


def rabbitmqctl(*arguments: str) -> str:
    """Run rabbitmqctl, quietly, and give what it printed; skip where it is not installed."""
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl, which lists queues and closes connections, is not installed here")
    done = subprocess.run(
        ["rabbitmqctl", "--quiet", *arguments],  # noqa: S607 (found on PATH, as an operator would)
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def test_connections_closed_under_load_lose_and_double_nothing(
    serve: Callable[..., LiveServer], database_url: str, vhost: str
) -> None:
    """Rabbitmqctl close_all_connections midway through the writes: every event, once."""
    assert BROKER is not None
    settings = {"BROKER_URL": f"{BROKER.rstrip('/')}/{vhost}"}
    worker = serve(factory=LIVE_APP, ROLE="worker", **settings)
    web = serve(factory=LIVE_APP, **settings)
    ship(web, range(WRITES))
    rabbitmqctl("close_all_connections", "--vhost", vhost, "a fault of the test's own")
    ship(web, range(WRITES, 2 * WRITES))
    parcels = counted(database_url, "parcel ", 2 * WRITES, seconds=60)
    assert parcels == 2 * WRITES, where_they_are(database_url, vhost, web, worker)
    flaky = counted(database_url, "flaky ", 2 * WRITES)
    assert flaky == 2 * WRITES, where_they_are(database_url, vhost, web, worker)
    # The connections closed, and came back: a warning for whoever watches, not an error.
    errors = [line for line in web.lines + worker.lines if '"level":"error"' in line]
    assert errors == [], "".join(errors)


def where_they_are(database_url: str, vhost: str, *servers: LiveServer) -> str:
    """The outbox, the queues of `vhost`, the servers' warnings: why an event is missing."""
    outbox = asyncio.run(count_rows(database_url, OutboxMessage))
    queues = rabbitmqctl(
        "list_queues", "-p", vhost, "name", "messages_ready", "messages_unacknowledged"
    )
    levels = ('"level":"warning"', '"level":"error"')
    logged = [line for server in servers for line in server.lines if line.startswith("{")]
    return (
        f"{outbox} messages in the outbox\n"
        + queues
        + "".join(line for line in logged if any(level in line for level in levels))
    )


def test_a_worker_told_to_stop_with_its_broker_away_does_not_wait_out_its_grace(
    serve: Callable[..., LiveServer], vhost: str
) -> None:
    """Its virtual host deleted under it: SIGTERM still stops the worker, well within the grace."""
    assert BROKER is not None
    settings = {"BROKER_URL": f"{BROKER.rstrip('/')}/{vhost}", "GRACEFUL_TIMEOUT": 120}
    worker = serve(factory=LIVE_APP, ROLE="worker", **settings)
    rabbitmqctl("delete_vhost", vhost)
    rabbitmqctl("add_vhost", vhost)  # for the fixture to delete; without permissions for guest
    # A drain waiting for the broker would hold the worker for its 120 s: wait() kills it at 30.
    assert worker.stop(signal.SIGTERM, timeout=30) == 0, "\n".join(worker.lines[-15:])
