"""A worker's orders: the supervisor's events, or, serving alone, the process's own signals."""

from __future__ import annotations

import asyncio
import os
import signal
from multiprocessing import get_context

from ...serve.orders import FromSignals, FromSupervisor


async def test_serving_alone_the_first_signal_drains_and_the_second_stops() -> None:
    """SIGTERM orders the drain and not the stop; SIGINT after it orders the stop."""
    loop = asyncio.get_running_loop()
    orders = FromSignals(bound=10**6)
    draining = asyncio.create_task(orders.drain())
    stopping = asyncio.create_task(orders.stop())
    await asyncio.sleep(0)
    try:
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL, "the signals are not taken"
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(draining, 5)
        await asyncio.sleep(0.1)
        assert not stopping.done()
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.wait_for(stopping, 5)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


async def test_a_supervisors_event_orders_the_worker() -> None:
    """The drain event set orders the drain; the stop waits for its own event."""
    context = get_context("spawn")
    orders = FromSupervisor(context.Event(), context.Event(), os.getppid())
    stopping = asyncio.create_task(orders.stop())
    orders.draining.set()
    await asyncio.wait_for(orders.drain(), 5)
    await asyncio.sleep(0.2)
    assert not stopping.done()
    orders.stopping.set()
    await asyncio.wait_for(stopping, 5)


async def test_a_supervisor_gone_counts_as_every_order() -> None:
    """A worker whose supervisor is no longer its parent drains and stops by itself."""
    context = get_context("spawn")
    orders = FromSupervisor(context.Event(), context.Event(), supervisor=os.getpid())
    await asyncio.wait_for(orders.drain(), 5)
    await asyncio.wait_for(orders.stop(), 5)
