"""docs/events.md's worked example, as written there: a view publishes, a consumer takes it once."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

from ...events.scheduler import fire_schedules
from ...events.without_broker import deliver
from ...identity import SERVICE
from ...observability import logs
from ...testing.guides import guide, python_blocks
from ..plumbing import create_app_with_views


async def test_the_worked_example_runs_as_written(tmp_path: Path, database_url: str) -> None:
    """The guide's view, consumer and test: 202, then the consumer's line, once."""
    view, consumer, test = python_blocks(guide("events.md"))[:3]
    app = create_app_with_views(
        tmp_path,
        {"parcels": view},
        {"TESTING": True, "DATABASE_URL": database_url},
        {"notify_customer": consumer.replace(f"{SERVICE}.views.", "{VIEWS}.")},
    )
    lines = io.StringIO()
    logs.init_app(app, lines)
    namespace: dict[str, object] = {}
    exec(compile(test, "docs/events.md", "exec"), namespace)  # noqa: S102  # nosec B102  # our own guide
    async with app.test_app():
        await namespace["test_a_shipment_notifies_the_customer"](app.test_client(), app)  # type: ignore[operator]
    logged = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert [line["parcel_id"] for line in logged if line["event"] == "customer notified"] == [7]
    [handled] = [line for line in logged if line["event"] == "message"]
    assert (handled["handler"], handled["outcome"]) == ("notify_customer.notify_customer", "done")


async def test_the_scheduled_job_fires_as_written(tmp_path: Path, database_url: str) -> None:
    """The guide's nightly report: 03:00 in Paris, fired once that night, its line written."""
    job = python_blocks(guide("events.md"))[3]
    app = create_app_with_views(
        tmp_path, {}, {"TESTING": True, "DATABASE_URL": database_url}, {"nightly_report": job}
    )
    lines = io.StringIO()
    logs.init_app(app, lines)
    async with app.test_app():
        await fire_schedules(app, datetime(2026, 12, 5, 12, tzinfo=UTC))
        night = datetime(2026, 12, 6, 2, 0, 1, tzinfo=UTC)  # 03:00:01 in Paris
        assert [firing.kind for firing in await fire_schedules(app, night)] == ["on_time"]
        assert await fire_schedules(app, night) == []
        assert [outcome.state for outcome in await deliver(app)] == ["done"]
    logged = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert [line["tick"] for line in logged if line["event"] == "report written"] == [
        "2026-12-06T02:00:00+00:00"
    ]
    [fired] = [line for line in logged if line["event"] == "scheduled job fired"]
    assert (fired["topic"], fired["firing"], fired["late_ms"]) == (
        "reports.nightly",
        "on_time",
        1000,
    )
