"""RATE_LIMIT ("100/minute"), opt-in: how many requests each caller may send in a window.

Each caller is counted apart: the token's subject on a protected route, else the client's
address (http/client_address.py). Over it, 429 with Retry-After; every limited answer carries
the RateLimit and RateLimit-Policy headers of the IETF draft
(draft-ietf-httpapi-ratelimit-headers). The counts are kept by the `limits` library, in this
worker's memory (keys expire with their window) or, with RATE_LIMIT_STORAGE a redis:// URL, in
Redis, shared by every worker and pod. Probes are never limited.
"""

from __future__ import annotations

import logging
import math
import time
from typing import TYPE_CHECKING

from .settings import MEMORY

if TYPE_CHECKING:
    from limits.aio.storage import Storage
    from limits.aio.strategies import RateLimiter as Strategy
    from redis.asyncio import ConnectionPool

# Seconds between two warnings that the rate limit's store cannot be reached.
WARN_EVERY = 60.0


class RateLimited(Exception):  # noqa: N818 (an answer, not a failure)
    """The caller is over the rate limit; `retry_after` says in how many seconds to try again."""

    def __init__(self, retry_after: int) -> None:
        """Over the limit until `retry_after` seconds from now."""
        super().__init__(retry_after)
        self.retry_after = retry_after


class RateLimiter:
    """RATE_LIMIT per caller, counted in memory or in Redis by `limits`' sliding window counter."""

    def __init__(self, limit: str, storage: str, logger: logging.Logger) -> None:
        """Allow `limit` per caller, counted in `storage` (memory:// or a Redis URL)."""
        from limits import parse  # noqa: PLC0415 (only a service that limits needs it)
        from limits.aio.storage import MemoryStorage, RedisStorage  # noqa: PLC0415
        from limits.aio.strategies import SlidingWindowCounterRateLimiter  # noqa: PLC0415
        from limits.errors import StorageError  # noqa: PLC0415

        self.item = parse(limit)
        self._pool: ConnectionPool | None = None
        if storage == MEMORY:
            store: Storage = MemoryStorage()
        else:
            from redis.asyncio import ConnectionPool  # noqa: PLC0415

            # The pool is the limiter's own, so that close() can let go of its connections.
            self._pool = ConnectionPool.from_url(storage)
            store = RedisStorage(
                f"async+{storage}",
                wrap_exceptions=True,
                implementation="redispy",
                # Passed on to redis.asyncio.Redis, as the limits docs say; its hints omit it.
                connection_pool=self._pool,  # type: ignore[arg-type]
            )
        self._strategy: Strategy = SlidingWindowCounterRateLimiter(store)
        self._storage_error = StorageError
        self._logger = logger
        self._warned_at = -math.inf
        self.policy = f'"default";q={self.item.amount};w={self.item.get_expiry()}'

    async def hit(self, key: str) -> tuple[int, int] | None:
        """Count a request of `key`: (remaining, seconds to reset), or None if the store is down.

        Raises RateLimited when `key` is over the limit. A store that cannot be reached lets
        requests through, with a warning: the rate limit protects the service, and an outage
        of Redis should not take the service down with it.
        """
        try:
            allowed = await self._strategy.hit(self.item, key)
            reset_time, remaining = await self._strategy.get_window_stats(self.item, key)
        except self._storage_error as error:
            self._warn(error)
            return None
        reset = max(1, math.ceil(reset_time - time.time()))
        if not allowed:
            raise RateLimited(reset)
        return remaining, reset

    async def close(self) -> None:
        """Close the connections to Redis, when the worker stops."""
        if self._pool is not None:
            await self._pool.disconnect()

    def headers(self, standing: tuple[int, int]) -> list[tuple[str, str]]:
        """The RateLimit-Policy and RateLimit headers for a caller's (remaining, reset)."""
        remaining, reset = standing
        return [
            ("RateLimit-Policy", self.policy),
            ("RateLimit", f'"default";r={remaining};t={reset}'),
        ]

    def _warn(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            self._logger.warning("rate limit store unreachable, requests not limited: %s", error)
