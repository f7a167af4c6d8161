"""With BROKER_URL, a serving app relays its outbox and consumes: from a 201 to each consumer."""

from __future__ import annotations

import asyncio
import io
import json
import logging

import pytest

from ...data.database import database
from ...events.broker import Broker
from ...events.relay import AWAY
from ...events.through_broker import ReconnectingIsAWarning
from ...observability import logs
from ...testing.live_server import free_port
from ..items import create_tables
from ..plumbing import create_app
from . import shipments
from .consumers import BROKER, NOTE, broker, eventually, items, needs_broker, shipping, taken
from .test_without_broker import pending

__all__ = ["broker"]


@needs_broker
async def test_what_a_view_publishes_reaches_each_consumer_through_the_broker(
    database_url: str, broker: Broker
) -> None:
    """Three POSTs, relayed and consumed by a worker's app; /readyz checks the broker."""
    settings = {"BROKER_URL": BROKER, "EVENTS_EXCHANGE": broker.exchange, "ROLE": "worker"}
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, **settings}, shipments)
    app.register_blueprint(shipping)
    async with app.test_app(), app.app_context():
        await create_tables(database().engine)
        client = app.test_client()
        for parcel in range(3):
            assert (await client.post(f"/_ship/{parcel}")).status_code == 201
        found: list[str] = await eventually(items, lambda stored: len(stored) == 9)
        ready = await client.get("/readyz")
    assert sorted(found) == sorted(
        [f"{kind} {parcel}" for kind in ("shipped", "parcel", "flaky") for parcel in range(3)]
    )
    assert ready.status_code == 200
    assert (await ready.get_json())["checks"]["broker"] == "passed"


@needs_broker
async def test_the_web_relays_and_leaves_the_consuming_to_the_worker(
    database_url: str, broker: Broker
) -> None:
    """ROLE web: the event leaves the outbox for the broker, and waits in the queue there."""
    settings = {"BROKER_URL": BROKER, "EVENTS_EXCHANGE": broker.exchange}
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, **settings}, shipments)
    app.register_blueprint(shipping)
    async with app.test_app(), app.app_context():
        await create_tables(database().engine)
        assert (await app.test_client().post("/_ship/1")).status_code == 201
        queued = await eventually(lambda: taken(broker, broker.queue_of(NOTE)), bool)
        assert await items() == ["shipped 1"]
    assert queued is not None


@pytest.mark.parametrize(("role", "ready"), [("web", 200), ("worker", 503)])
async def test_a_broker_away_leaves_the_web_in_service_and_the_worker_not_ready(
    database_url: str, role: str, ready: int
) -> None:
    """Nothing at BROKER_URL: a write is a 201, its event kept; only the worker is not ready."""
    nowhere = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    settings = {"TESTING": True, "DATABASE_URL": database_url, "BROKER_URL": nowhere, "ROLE": role}
    app = create_app(settings, shipments)
    app.register_blueprint(shipping)
    async with app.test_app(), app.app_context():
        await create_tables(database().engine)
        client = app.test_client()
        assert (await client.post("/_ship/1")).status_code == 201
        readiness = await client.get("/readyz")
        assert await pending() == 1
    assert readiness.status_code == ready
    checks = (await readiness.get_json(force=True))["checks"]
    if role == "web":
        assert "broker" not in checks
    else:
        assert checks["broker"] == "failed: the broker is not connected"


async def test_while_the_broker_is_away_the_outbox_says_how_much_waits_and_how_long(
    database_url: str,
) -> None:
    """Each try to connect logs the outbox's size and age; /metrics has both, to alert on."""
    nowhere = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    settings = {"TESTING": True, "DATABASE_URL": database_url, "BROKER_URL": nowhere}
    app = create_app(settings, shipments)
    app.register_blueprint(shipping)
    lines = io.StringIO()
    logs.init_app(app, lines)
    async with app.test_app(), app.app_context():
        await create_tables(database().engine)
        client = app.test_client()
        assert (await client.post("/_ship/1")).status_code == 201
        await asyncio.sleep(AWAY + 0.5)  # the next try to connect, with the event waiting
        metrics = await (await client.get("/metrics")).get_data(as_text=True)
    [*_, last] = [
        json.loads(line) for line in lines.getvalue().splitlines() if "unreachable" in line
    ]
    assert (last["level"], last["outbox_messages"]) == ("warning", 1)
    assert last["outbox_oldest_seconds"] > 0
    assert "events_outbox_pending 1.0" in metrics
    [waited] = [line for line in metrics.splitlines() if line.startswith("events_outbox_oldest")]
    assert float(waited.split()[1]) > 0


@pytest.mark.parametrize(
    ("message", "level"),
    [
        ("error when creating transport: %r", logging.WARNING),
        ("Unexpected connection close from remote %s", logging.WARNING),
        ("Consumer callback failed: %s", logging.ERROR),
    ],
)
def test_the_broker_going_away_is_logged_as_a_warning(message: str, level: int) -> None:
    """Aiormq's lines for a broker away and each try to reconnect: WARNING; its others as they are."""
    record = logging.LogRecord(
        "aiormq.connection", logging.ERROR, __file__, 1, message, ("x",), None
    )
    assert ReconnectingIsAWarning().filter(record)
    assert (record.levelno, record.levelname) == (level, logging.getLevelName(level))
