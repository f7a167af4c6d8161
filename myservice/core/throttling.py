"""Limits on what callers can take: requests in flight per worker, and an opt-in rate limit.

MAX_IN_FLIGHT caps the requests a worker answers at once; one more gets 503 and Retry-After at
once, before any routing, so that a flood queues nowhere. RATE_LIMIT ("100/minute") limits each
caller: the token's subject on a protected route, else the client's address (client_address.py).
Over it, 429 with Retry-After; every limited answer carries the RateLimit and RateLimit-Policy
headers of the IETF draft (draft-ietf-httpapi-ratelimit-headers). The counts are kept by the
`limits` library, in this worker's memory (keys expire with their window) or, with
RATE_LIMIT_STORAGE a redis:// URL, in Redis, shared by every worker and pod. Probes are never
limited.
"""

from __future__ import annotations

import logging
import math
import time
from typing import TYPE_CHECKING

import orjson

from .errors import PROBLEM_CONTENT_TYPE

if TYPE_CHECKING:
    from hypercorn.typing import ASGISendCallable
    from limits.aio.storage import Storage
    from limits.aio.strategies import RateLimiter as Strategy
    from redis.asyncio import ConnectionPool

# Seconds a client refused for MAX_IN_FLIGHT is told to wait.
BUSY_RETRY_AFTER = 1
# Seconds between two warnings that the rate limit's store cannot be reached.
WARN_EVERY = 60.0
MEMORY = "memory://"
REDIS_SCHEMES = ("redis://", "rediss://")


def rate_limit(value: object) -> str:
    """The RATE_LIMIT setting: a rate `limits` parses, such as 100/minute or 10 per second."""
    from limits import parse  # noqa: PLC0415 (only a service that limits needs it)

    try:
        parse(str(value))
    except ValueError:
        raise ValueError("is not a rate such as 100/minute or 10/second") from None
    return str(value)


def storage_url(value: object) -> str:
    """The RATE_LIMIT_STORAGE setting: memory://, or a Redis URL (redis:// or rediss://)."""
    text = str(value)
    if text != MEMORY and not text.startswith(REDIS_SCHEMES):
        raise ValueError("must be memory:// or a Redis URL such as redis://redis:6379/0")
    return text


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


async def answer_busy(send: ASGISendCallable, request_id: str, limit: int) -> None:
    """Answer 503 with Retry-After straight to the server, for a worker at MAX_IN_FLIGHT."""
    body = orjson.dumps(
        {
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": f"This worker is answering {limit} requests, its most; try again shortly.",
            "request_id": request_id,
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(BUSY_RETRY_AFTER).encode()),
            ],
            "trailers": False,
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})
