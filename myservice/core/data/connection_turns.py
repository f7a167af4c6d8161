"""The pool's connections handed out first come, first served.

SQLAlchemy's pool lets a request that arrives as a connection is given back take it before
the requests already waiting: under a full pool most requests waited 10 ms for a connection
and one in a hundred 200 ms and more (`make bench`'s database pairs on PostgreSQL, 32
clients, 5 connections). Every user of the app's pool first takes a turn here (transaction(),
reading(), apart(), an idempotency claim and its release, the purge, the readiness check), one
per pooled connection, from a queue that keeps its order (asyncio.Semaphore lets no newcomer
pass a waiter); the pool behind it then has no one waiting. A turn not had within
DATABASE_POOL_TIMEOUT is the pool's own timeout, a 503 with Retry-After (errors.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import TimeoutError as PoolTimeoutError


class ConnectionTurns:
    """As many turns as the pool has connections, taken in the order they were asked for."""

    def __init__(self, connections: int, timeout: float) -> None:
        """Turns for `connections`, each waited for at most `timeout` seconds."""
        self._turns = asyncio.Semaphore(connections)
        self._timeout = timeout

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold a turn for the block; PoolTimeoutError if none came within the timeout."""
        try:
            async with asyncio.timeout(self._timeout):
                await self._turns.acquire()
        except TimeoutError:
            raise PoolTimeoutError(
                f"no database connection was free within {self._timeout:g} s"
            ) from None
        try:
            yield
        finally:
            self._turns.release()
