"""Work that runs beside the requests for as long as the app serves: a purge, a delivery loop.

Started once serving starts, it is cancelled, and awaited, in the while_serving hook's ending,
which comes before the after_serving hooks close the database the work uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Coroutine
from typing import Any

from quart import Quart


def run_while_serving(app: Quart, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run `work()` as a task of its own while `app` serves; cancel it when serving ends."""

    @app.while_serving
    async def running() -> AsyncGenerator[None, None]:
        task = asyncio.create_task(work())
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
