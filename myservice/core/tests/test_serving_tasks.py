"""Work run while the app serves: started with serving, cancelled and awaited when it ends."""

from __future__ import annotations

import asyncio

from ..serving_tasks import run_while_serving
from .plumbing import create_app


async def test_the_work_runs_while_serving_and_is_cancelled_at_its_end() -> None:
    """Nothing runs before serving; the work runs during it; it has ended once serving has."""
    app = create_app({"TESTING": True})
    seen: list[str] = []
    started = asyncio.Event()

    async def work() -> None:
        seen.append("started")
        started.set()
        try:
            await asyncio.sleep(3600)
        finally:
            seen.append("cancelled")

    run_while_serving(app, work)
    assert seen == []
    async with app.test_app():
        await asyncio.wait_for(started.wait(), 5)
        assert seen == ["started"]
    assert seen == ["started", "cancelled"]
