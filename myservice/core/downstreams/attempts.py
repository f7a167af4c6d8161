"""The attempts of one call to a downstream: which failures are retried, and how it ended.

A connection that cannot be made is retried for any method, since nothing was sent; a dropped
connection and a 502, 503 or 504 answer only for idempotent methods, since the request may have
been acted on. The waits are exponential with full jitter, so that the callers of a recovering
service do not return in step. A failure becomes DownstreamError, which the app answers as a
problem naming the downstream: 503 (cannot connect, no connection), 502 (a 5xx answer after the
retries, a dropped connection, an answer that is not HTTP, a body that is not JSON). Every
attempt is counted; a redirect is the caller's, never followed.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import aiohttp
import structlog
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .downstream_metrics import DownstreamMetrics
from .outcomes import DownstreamError, DownstreamResponse

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRIED_STATUSES = frozenset({502, 503, 504})
# Bytes of an answer read at a time, so that its size is checked as it arrives.
READ_CHUNK = 65536
# Seconds: the first wait is up to BACKOFF, each next up to twice the last, none over BACKOFF_CAP.
BACKOFF = 0.05
BACKOFF_CAP = 1.0
# Seconds a call waits for a place in the pool before it is refused (503, not the downstream's
# failure), and for a new connection to be made, its TLS handshake included (a failure of the
# downstream's: a host that takes connections and says nothing must open its breaker).
CONNECTION_WAIT = 1.0
CONNECT_WAIT = 1.0
# What a client refused for a downstream that cannot be reached is told to wait, in seconds.
RETRY_AFTER = 1

jitter = secrets.SystemRandom()


class Attempts:
    """The attempts of one call, and how it ended, for its log line."""

    def __init__(  # noqa: PLR0913 (what one call needs of its client)
        self,
        session: aiohttp.ClientSession,
        *,
        slots: asyncio.Semaphore,
        name: str,
        retries: int,
        metrics: DownstreamMetrics,
        method: str,
        url: URL,
        largest: int,
    ) -> None:
        self.session, self.slots, self.name = session, slots, name
        self.retries, self.metrics = retries, metrics
        self.method, self.url, self.largest = method, url, largest
        self.attempts = 0
        self.status: int | None = None
        self.outcome = "answered"

    async def run(self, options: dict[str, Any]) -> DownstreamResponse:
        """Attempt until an answer, a failure that is not retried, or the retries run out."""
        name, idempotent = self.name, self.method in IDEMPOTENT
        while True:
            self.attempts += 1
            last = self.attempts > self.retries
            try:
                response = await self._exchange(options)
            except aiohttp.ClientSSLError as error:
                self._count("tls_error")
                untrusted = isinstance(error, aiohttp.ClientConnectorCertificateError)
                detail = (
                    f"{name}'s certificate is not trusted (its tls ca_path?)."
                    if untrusted
                    else f"{name} refused the TLS handshake (its tls cert_path?)."
                )
                raise self._failure(502, detail) from None
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:
                # Nothing was sent: tried again whatever the method.
                timed_out = isinstance(error, aiohttp.ConnectionTimeoutError)
                self._count("connect_timeout" if timed_out else "connect_error")
                if last:
                    raise self._failure(503, f"{name} cannot be reached.", RETRY_AFTER) from None
            except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError):
                self._count("dropped")
                if last or not idempotent:
                    raise self._failure(502, f"{name} dropped the connection.") from None
            except aiohttp.ClientError:
                self._count("bad_answer")
                raise self._failure(502, f"{name} sent an answer that is not HTTP.") from None
            else:
                self.status = response.status_code
                self._count(f"{response.status_code // 100}xx")
                if response.status_code not in RETRIED_STATUSES or not idempotent or last:
                    if response.status_code >= 500:
                        raise self._failure(502, self._answered(response.status_code))
                    return response
            ceiling = min(BACKOFF_CAP, BACKOFF * 2 ** (self.attempts - 1))
            await asyncio.sleep(jitter.uniform(0, ceiling))

    async def _exchange(self, options: dict[str, Any]) -> DownstreamResponse:
        """One request and its answer, in one of the pool's places; 503 if none frees in time."""
        try:
            async with asyncio.timeout(CONNECTION_WAIT):
                await self.slots.acquire()
        except TimeoutError:
            self._count("no_connection")
            detail = f"{self.name}: no connection within {CONNECTION_WAIT:g} s (pool full)."
            raise self._failure(503, detail, RETRY_AFTER, downstream_failed=False) from None
        try:
            # A redirect is the caller's to follow: followed here, it would carry the headers
            # to another host, and turn a POST into a GET.
            async with self.session.request(
                self.method, self.url, allow_redirects=False, **options
            ) as answer:
                headers = CIMultiDictProxy(CIMultiDict(answer.headers))
                return DownstreamResponse(answer.status, headers, await self._read(answer))
        finally:
            self.slots.release()

    async def _read(self, answer: aiohttp.ClientResponse) -> bytes:
        """The answer's body, refused (502) as soon as it is larger than `largest` bytes."""
        declared = answer.content_length
        body = bytearray()
        if declared is None or declared <= self.largest:
            async for chunk in answer.content.iter_chunked(READ_CHUNK):
                body += chunk
                if len(body) > self.largest:
                    break
        if len(body) > self.largest or (declared or 0) > self.largest:
            self._count("too_large")
            detail = f"{self.name} answered more than {self.largest} bytes (largest_answer)."
            raise self._failure(502, detail)
        return bytes(body)

    def log(self, path: str, seconds: float) -> None:
        """Log the call in one line: its path without the query, how it ended, how long."""
        # A logger of the logging set up now, as tests set it up again and again.
        structlog.get_logger(__name__).info(
            "downstream request",
            downstream=self.name,
            method=self.method,
            path=path,
            status=self.status,
            outcome=self.outcome,
            attempts=self.attempts,
            duration_ms=round(seconds * 1000, 2),
        )

    def _answered(self, status: int) -> str:
        tries = f" after {self.attempts} attempts" if self.attempts > 1 else ""
        return f"{self.name} answered {status}{tries}."

    def _count(self, status: str) -> None:
        self.metrics.attempts.labels(self.name, self.method, status).inc()

    def _failure(
        self, status: int, detail: str, retry_after: int = 0, *, downstream_failed: bool = True
    ) -> DownstreamError:
        self.outcome = detail
        return DownstreamError(
            status, self.name, detail, retry_after, downstream_failed=downstream_failed
        )
