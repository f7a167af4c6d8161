"""With BROKER_URL, a serving app relays its outbox and consumes: from a 201 to each consumer."""

from __future__ import annotations

from ...data.database import database
from ...events.broker import Broker
from ...testing.live_server import free_port
from ..items import create_tables
from ..plumbing import create_app
from . import shipments
from .consumers import BROKER, NOTE, broker, eventually, items, needs_broker, shipping, taken

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


async def test_a_broker_away_leaves_the_service_serving_and_not_ready(database_url: str) -> None:
    """Nothing listens at BROKER_URL: the write is still a 201, its event kept; /readyz says why."""
    nowhere = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    app = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "BROKER_URL": nowhere}, shipments
    )
    app.register_blueprint(shipping)
    async with app.test_app(), app.app_context():
        await create_tables(database().engine)
        client = app.test_client()
        assert (await client.post("/_ship/1")).status_code == 201
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert (await ready.get_json(force=True))["checks"][
        "broker"
    ] == "failed: the broker is not connected"
