"""Work that runs beside the requests for as long as the app serves: a purge, a delivery loop.

Started once serving starts, it is cancelled, and awaited, in the while_serving hook's ending,
which comes before the after_serving hooks close the database the work uses. Such work is a
pass repeated for ever (`repeat`): a failed pass is told, waited out and tried again, so that a
database or broker away for a while never ends it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from typing import Any, NoReturn

from quart import Quart


def does_background_work(app: Quart) -> bool:
    """Whether this process runs the service's background work: schedules, purges.

    With a broker, the workers (ROLE worker) do; without one, the serving processes.
    """
    with_broker = app.config["BROKER_URL"] is not None
    return bool(with_broker == (app.config["ROLE"] == "worker"))


def run_while_serving(app: Quart, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run `work()` as a task of its own while `app` serves; cancel it when serving ends."""

    @app.while_serving
    async def running() -> AsyncGenerator[None, None]:
        task = asyncio.create_task(work())
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def repeat(
    one_pass: Callable[[], Awaitable[bool]],
    idle: float,
    failed: Callable[[BaseException], Awaitable[None]],
    after_failure: float,
) -> NoReturn:
    """Run `one_pass` until cancelled; again at once while it says more is waiting.

    Else the next pass waits `idle` s. A pass that raises is given to `failed` (which logs it)
    and the next one waits `after_failure` s.

    A CancelledError that is not this task's own (aio-pika cancels the confirms it waits for when
    its connection drops) fails the pass, not the loop.
    """
    while True:
        try:
            more = await one_pass()
        except (Exception, asyncio.CancelledError) as error:
            if _cancelled():
                raise
            await failed(error)
            await asyncio.sleep(after_failure)
            continue
        if not more:
            await asyncio.sleep(idle)


def _cancelled() -> bool:
    """Whether this task is being cancelled, rather than a library below it cancelling a wait."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
