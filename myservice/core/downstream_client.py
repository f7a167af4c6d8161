"""The client of one downstream: a deadline, safe retries, the request id, metrics and a log line.

Every call has one total deadline, the downstream's `deadline` or what is left of the incoming
request's RESPONSE_TIMEOUT if that is less, covering every attempt and the wait between them
(a timeout per operation would let retries add up). A connection that cannot be made is retried
for any method, since nothing was sent; a dropped connection and a 502, 503 or 504 answer only
for idempotent methods, since the request may have been acted on. The
waits are exponential with full jitter, so that the callers of a recovering service do not
return in step. A failure becomes DownstreamError, which the app answers as a problem naming
the downstream: 503 (cannot connect, pool full), 504 (deadline passed), 502 (a 5xx answer after
the retries, a dropped connection, a body that is not JSON).

The connections are aiohttp's: under 256 concurrent calls it answered 9000 calls a second
where httpx's pool managed 130 and httpx2's 830 (`make bench` has the figures), its pool being
the part that grows with the connections.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import aiohttp
import structlog
from multidict import CIMultiDict, CIMultiDictProxy
from prometheus_client import CollectorRegistry, Counter, Histogram
from quart import has_request_context, request

from .json_request import JSONRequest
from .request_ids import HEADER, current_request_id

if TYPE_CHECKING:
    from .downstreams import Downstream
    from .tracing import Tracing

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRIED_STATUSES = frozenset({502, 503, 504})
# Seconds: the first wait is up to BACKOFF, each next up to twice the last, none over BACKOFF_CAP.
BACKOFF = 0.05
BACKOFF_CAP = 1.0
# Seconds a call waits for a connection, a free one of the pool or a new one, before it is
# refused (503).
CONNECTION_WAIT = 1.0
# What a client refused for a downstream that cannot be reached is told to wait, in seconds.
RETRY_AFTER = 1
REQUEST_ID_HEADER = HEADER.decode()

jitter = secrets.SystemRandom()


class DownstreamError(Exception):
    """A call that failed: the status the client gets (502, 503, 504) and why, in words."""

    def __init__(self, status: int, downstream: str, detail: str, retry_after: int = 0) -> None:
        """Fail with `status`; `retry_after` seconds for a 503."""
        super().__init__(detail)
        self.status, self.downstream, self.retry_after = status, downstream, retry_after


@dataclass(frozen=True)
class DownstreamMetrics:
    """Calls to downstreams: each attempt by status class, and each call's time."""

    attempts: Counter
    latency: Histogram

    @classmethod
    def on(cls, registry: CollectorRegistry) -> DownstreamMetrics:
        """The metrics, registered with the app's registry."""
        return cls(
            Counter(
                "downstream_requests",
                "Requests to downstreams, each attempt, by downstream, method and status class.",
                ["downstream", "method", "status"],
                registry=registry,
            ),
            Histogram(
                "downstream_request_duration_seconds",
                "Time a call to a downstream took, its retries included.",
                ["downstream", "method"],
                registry=registry,
            ),
        )


@dataclass(frozen=True)
class DownstreamResponse:
    """A downstream's answer, read whole: its status, headers and body."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes

    def json(self) -> Any:
        """The body parsed as JSON; ValueError when it is not JSON."""
        return json.loads(self.content)


class DownstreamClient:
    """One downstream's connection pool, called with a deadline, retries and measurement."""

    def __init__(
        self,
        downstream: Downstream,
        metrics: DownstreamMetrics,
        response_timeout: float,
        tracing: Tracing | None = None,
    ) -> None:
        """A pool of `downstream.pool` connections to its URL; made while the app serves."""
        self._tracing = tracing
        self.name = downstream.name
        self._base = downstream.url.rstrip("/")
        self._deadline = downstream.deadline
        self._retries = downstream.retries
        self._metrics = metrics
        self._response_timeout = response_timeout
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=downstream.pool, limit_per_host=downstream.pool),
            timeout=aiohttp.ClientTimeout(total=None, connect=CONNECTION_WAIT),
        )
        # aiohttp re-sends an idempotent request at once when a kept-alive connection drops;
        # the retries here are the only ones, backed off and counted (a test holds it to that).
        self._session._retry_connection = False

    async def close(self) -> None:
        """Close the pool's connections."""
        await self._session.close()

    async def get(self, path: str, **options: Any) -> DownstreamResponse:
        """GET `path`; see request()."""
        return await self.request("GET", path, **options)

    async def post(self, path: str, **options: Any) -> DownstreamResponse:
        """POST to `path`, never retried once sent; see request()."""
        return await self.request("POST", path, **options)

    async def put(self, path: str, **options: Any) -> DownstreamResponse:
        """PUT `path`; see request()."""
        return await self.request("PUT", path, **options)

    async def delete(self, path: str, **options: Any) -> DownstreamResponse:
        """DELETE `path`; see request()."""
        return await self.request("DELETE", path, **options)

    async def request(  # noqa: PLR0913 (the parts of a request)
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | list[tuple[str, str]] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> DownstreamResponse:
        """Send `method` to `path` under the downstream's URL, with a JSON body or `content`.

        The answer when its status is under 500, else DownstreamError.
        """
        if not path.startswith("/"):
            raise ValueError(f"a path of {self.name} starts with /, not {path[:40]!r}")
        method = method.upper()
        sent = dict(headers or {})
        request_id = current_request_id() if has_request_context() else None
        if request_id is not None:
            sent[REQUEST_ID_HEADER] = request_id
        options: dict[str, Any] = {"params": params, "headers": sent}
        options.update({"json": json} if json is not None else {"data": content})
        budget = self._budget()
        started = time.perf_counter()
        call = _Call(
            self._session,
            name=self.name,
            retries=self._retries,
            metrics=self._metrics,
            method=method,
            url=self._base + path,
        )
        try:
            async with asyncio.timeout(budget):
                if self._tracing is None:
                    return await call.run(options)
                with self._tracing.client_span(self.name, method, sent):
                    return await call.run(options)
        except TimeoutError:
            call.outcome = "deadline passed"
            raise DownstreamError(
                504, self.name, f"{self.name} did not answer within the deadline ({budget:.2f} s)."
            ) from None
        finally:
            seconds = time.perf_counter() - started
            self._metrics.latency.labels(self.name, method).observe(seconds)
            # A logger of the logging set up now, as tests set it up again and again.
            structlog.get_logger(__name__).info(
                "downstream request",
                downstream=self.name,
                method=method,
                path=path.partition("?")[0],
                status=call.status,
                outcome=call.outcome,
                attempts=call.attempts,
                duration_ms=round(seconds * 1000, 2),
            )

    def json(self, response: DownstreamResponse) -> Any:
        """The JSON body of one of this downstream's answers; DownstreamError 502 if it is not."""
        try:
            return response.json()
        except ValueError:
            detail = f"{self.name} answered {response.status_code} with a body that is not JSON."
            raise DownstreamError(502, self.name, detail) from None

    def _budget(self) -> float:
        """The deadline, cut to what is left of the incoming request's own, if that is less."""
        if not has_request_context():
            return self._deadline
        started = cast(JSONRequest, request).started
        if started is None:
            return self._deadline
        left = self._response_timeout - (time.perf_counter() - started)
        return max(0.0, min(self._deadline, left))


class _Call:
    """The attempts of one call, and how it ended, for its log line."""

    def __init__(  # noqa: PLR0913 (what one call needs of its client)
        self,
        session: aiohttp.ClientSession,
        *,
        name: str,
        retries: int,
        metrics: DownstreamMetrics,
        method: str,
        url: str,
    ) -> None:
        self.session, self.name, self.retries, self.metrics = session, name, retries, metrics
        self.method, self.url = method, url
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
                # A redirect is the caller's to follow: followed here, it would carry the
                # headers to another host, and turn a POST into a GET.
                async with self.session.request(
                    self.method, self.url, allow_redirects=False, **options
                ) as answer:
                    response = DownstreamResponse(
                        answer.status,
                        CIMultiDictProxy(CIMultiDict(answer.headers)),
                        await answer.read(),
                    )
            except aiohttp.ConnectionTimeoutError:
                self._count("no_connection")
                detail = f"{name}: no connection within {CONNECTION_WAIT:g} s (pool full?)."
                raise self._failure(503, detail, RETRY_AFTER) from None
            except aiohttp.ClientConnectorError:
                self._count("connect_error")
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

    def _answered(self, status: int) -> str:
        tries = f" after {self.attempts} attempts" if self.attempts > 1 else ""
        return f"{self.name} answered {status}{tries}."

    def _count(self, status: str) -> None:
        self.metrics.attempts.labels(self.name, self.method, status).inc()

    def _failure(self, status: int, detail: str, retry_after: int = 0) -> DownstreamError:
        self.outcome = detail
        return DownstreamError(status, self.name, detail, retry_after)
