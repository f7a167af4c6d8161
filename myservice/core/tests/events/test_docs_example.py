"""docs/events.md's worked example, as written there: a view publishes, a consumer takes it once."""

from __future__ import annotations

import io
import json
from pathlib import Path

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
