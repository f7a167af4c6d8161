"""The client of one downstream: one deadline, the request id, a span, a time and a log line.

A call passes the downstream's breaker (breaker.py), carries the credentials of its `auth`
(credentials.py), over the TLS of its `tls` (tls.py). Every call has one total deadline, the
downstream's `deadline` or what is left of the incoming request's RESPONSE_TIMEOUT if that is
less, covering every attempt and the waits between them (a timeout per operation would let
retries add up); past it, 504. The attempts, retries and failures are attempts.py's.

The connections are aiohttp's: under 256 concurrent calls it answered 9000 calls a second
where httpx's pool managed 130 and httpx2's 830 (`make bench` has the figures), its pool being
the part that grows with the connections.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from contextlib import nullcontext
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, cast

import aiohttp
from quart import has_request_context, request
from yarl import URL

from ..http.request import JSONRequest
from ..http.request_ids import HEADER, current_request_id
from .attempts import CONNECT_WAIT, Attempts
from .breaker import Breaker
from .credentials import credentials_of
from .downstream_metrics import DownstreamMetrics
from .outcomes import DownstreamError, DownstreamResponse
from .paths import call_path
from .tls import tls_context

if TYPE_CHECKING:
    from ..observability.tracing import Tracing
    from .settings import Downstream

REQUEST_ID_HEADER = HEADER.decode()


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
        self.name, self._base = downstream.name, downstream.url.rstrip("/")
        self._deadline, self._retries = downstream.deadline, downstream.retries
        self._largest_answer = downstream.largest_answer
        self._metrics, self._response_timeout, self._tracing = metrics, response_timeout, tracing
        tls = tls_context(self.name, downstream.tls) or True
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=downstream.pool, limit_per_host=downstream.pool, ssl=tls
            ),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_WAIT),
        )
        self._slots = asyncio.Semaphore(downstream.pool)
        # aiohttp re-sends an idempotent request at once when a kept-alive connection drops;
        # the retries here are the only ones, backed off and counted (a test holds it to that).
        self._session._retry_connection = False
        self._credentials = credentials_of(downstream, tls, metrics.token_fetches)
        breaker = downstream.breaker
        self._breaker = Breaker(self.name, breaker, metrics.circuit) if breaker else None

    async def close(self) -> None:
        """Close the pool's connections, and the token endpoint's."""
        await self._credentials.close()
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
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, str] | list[tuple[str, str]] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> DownstreamResponse:
        """Send `method` to `path` under the downstream's URL, with a JSON body or `content`.

        Each {name} in `path` is filled with `path_params[name]`, encoded as one segment
        (paths.py); the query goes in `params`. The answer when its status is under 500, else
        DownstreamError.
        """
        sent_path = call_path(self.name, path, path_params)
        method = method.upper()
        sent = dict(headers or {})
        request_id = current_request_id() if has_request_context() else None
        if request_id is not None:
            sent[REQUEST_ID_HEADER] = request_id
        options: dict[str, Any] = {"params": params, "headers": sent}
        options.update({"json": json} if json is not None else {"data": content})
        budget = self._budget()
        deadline = asyncio.get_running_loop().time() + budget
        started = time.perf_counter()
        call = Attempts(
            self._session,
            slots=self._slots,
            name=self.name,
            retries=self._retries,
            metrics=self._metrics,
            method=method,
            url=URL(self._base + sent_path, encoded=True),
            largest=self._largest_answer,
        )
        try:
            with self._breaker.guarding() if self._breaker else nullcontext():
                authorization = await self._credentials.authorization(deadline)
                if authorization is not None:
                    for given in [name for name in sent if name.lower() == "authorization"]:
                        del sent[given]
                    sent["Authorization"] = authorization
                if self._tracing is None:
                    return await self._sent(call, options, deadline, budget)
                with self._tracing.client_span(self.name, method, sent):
                    return await self._sent(call, options, deadline, budget)
        except DownstreamError as error:
            call.outcome = str(error)
            raise
        finally:
            seconds = time.perf_counter() - started
            self._metrics.latency.labels(self.name, method).observe(seconds)
            call.log(path, seconds)

    async def _sent(
        self, call: Attempts, options: dict[str, Any], deadline: float, budget: float
    ) -> DownstreamResponse:
        """The answer, sent again once with new credentials if it was 401."""
        response = await self._attempted(call, options, deadline, budget)
        if response.status_code != HTTPStatus.UNAUTHORIZED:
            return response
        sent = options["headers"]
        renewed = await self._credentials.after_rejection(sent.get("Authorization"), deadline)
        if renewed is None:
            return response
        sent["Authorization"] = renewed
        return await self._attempted(call, options, deadline, budget)

    async def _attempted(
        self, call: Attempts, options: dict[str, Any], deadline: float, budget: float
    ) -> DownstreamResponse:
        """The answer by `deadline`; past it, a 504, not counted if the request's cut it."""
        try:
            async with asyncio.timeout_at(deadline):
                return await call.run(options)
        except TimeoutError:
            detail = f"{self.name} did not answer within the deadline ({budget:.2f} s)."
            failed = budget >= self._deadline
            raise DownstreamError(504, self.name, detail, downstream_failed=failed) from None

    def json(self, response: DownstreamResponse, expect: int | None = None) -> Any:
        """The JSON body of one of this downstream's answers; DownstreamError 502 if it is not.

        With `expect`, an answer of another status is a 502 too, naming the status it had.
        """
        if expect is not None and response.status_code != expect:
            detail = f"{self.name} answered {response.status_code}, not {expect}."
            raise DownstreamError(502, self.name, detail)
        try:
            return response.json()
        except ValueError:
            detail = f"{self.name} answered {response.status_code} with a body that is not JSON."
            raise DownstreamError(502, self.name, detail) from None

    def _budget(self) -> float:
        """The deadline, cut to what is left of the incoming request's own, if that is less."""
        started = cast(JSONRequest, request).started if has_request_context() else None
        if started is None:
            return self._deadline
        left = self._response_timeout - (time.perf_counter() - started)
        return max(0.0, min(self._deadline, left))
