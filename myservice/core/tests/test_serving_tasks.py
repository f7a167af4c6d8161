"""Work run while the app serves: started with serving, cancelled and awaited when it ends."""

from __future__ import annotations

import asyncio

from ..serving_tasks import does_background_work, repeat, run_while_serving
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


async def test_repeat_goes_on_at_once_while_more_waits_and_after_idle_when_not() -> None:
    """Passes that say more is waiting follow each other; one that says not waits `idle`."""
    answers = iter([True, True, False])
    passes: list[float] = []
    fourth = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def one_pass() -> bool:
        passes.append(loop.time())
        if len(passes) == 4:
            fourth.set()
        return next(answers, False)

    async def failed(error: BaseException) -> None:
        raise AssertionError(error)

    task = asyncio.create_task(repeat(one_pass, 0.5, failed, 60))
    await asyncio.wait_for(fourth.wait(), 5)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()
    assert passes[2] - passes[0] < 0.4 <= passes[3] - passes[2]


async def test_repeat_tells_a_failed_pass_and_goes_on_a_librarys_cancel_included() -> None:
    """An error, or a CancelledError a library raised, fails the pass; the next one runs."""
    outcomes: list[BaseException | bool] = [ValueError("away"), asyncio.CancelledError(), False]
    told: list[str] = []
    third = asyncio.Event()

    async def one_pass() -> bool:
        outcome = outcomes.pop(0) if outcomes else False
        if not outcomes:
            third.set()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def failed(error: BaseException) -> None:
        told.append(type(error).__name__)

    task = asyncio.create_task(repeat(one_pass, 60, failed, 0))
    await asyncio.wait_for(third.wait(), 5)
    assert not task.done()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()
    assert told == ["ValueError", "CancelledError"]


def test_background_work_runs_in_the_worker_with_a_broker_else_in_the_web() -> None:
    """Schedules and purges: with a broker, the worker runs them, not the web; without, the web."""
    web = create_app({"BROKER_URL": "amqp://127.0.0.1:5672/"})
    worker = create_app({"BROKER_URL": "amqp://127.0.0.1:5672/", "ROLE": "worker"})
    alone = create_app()
    assert [does_background_work(app) for app in (web, worker, alone)] == [False, True, True]
