"""A service's own token for a downstream: RFC 6749's client credentials, kept and renewed.

The token is fetched from the grant's token endpoint when first needed: one fetch, however
many calls wait for it; kept until shortly before it expires, renewed in the background ahead
of that. A call the downstream answers 401 asks for a new token once (the provider may have
rotated its keys). The endpoint down, slow or answering something that is not a token
(token_answers.py) is a 503 naming the downstream, within the call's deadline, and the next
fetch waits for the grant's `cooldown`. Tokens and secrets are never logged.
"""

from __future__ import annotations

import asyncio
import math
import ssl
from typing import NoReturn

import aiohttp
import structlog
from prometheus_client import Counter

from .outcomes import DownstreamError
from .parts import ClientCredentialsGrant
from .token_answers import HeldToken, NotAToken, error_code, token_in
from .token_requests import FetchFailed, ask_for_token

# Connections to the token endpoint: one fetch at a time, and one more while it closes.
TOKEN_CONNECTIONS = 2


class TokenUnavailable(DownstreamError):  # noqa: N818 (what the client is told: unavailable)
    """No token for the downstream: a 503 naming it, not a failure of the downstream."""

    def __init__(self, downstream: str, detail: str, retry_after: int) -> None:
        """`detail` says why; the client may try again after `retry_after` seconds."""
        super().__init__(503, downstream, detail, retry_after, downstream_failed=False)


class ClientCredentials:
    """The service's own token for one downstream, from the grant's token endpoint."""

    def __init__(
        self,
        name: str,
        grant: ClientCredentialsGrant,
        tls: ssl.SSLContext | bool,
        fetches: Counter,
        fetch_timeout: float,
    ) -> None:
        """Fetch over `tls`, each fetch bounded by `fetch_timeout` seconds."""
        self.name, self._grant = name, grant
        # A pool of its own: the downstream's may be full when a token is due.
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=TOKEN_CONNECTIONS, ssl=tls)
        )
        self._fetches, self._fetch_timeout = fetches, fetch_timeout
        self._held: HeldToken | None = None
        self._fetching: asyncio.Task[HeldToken] | None = None
        self._cooldown_until = -math.inf
        self._last_failure = ""
        self._closed = False

    async def authorization(self, deadline: float) -> str | None:
        """The token's header value, fetched first if there is none to use."""
        now = asyncio.get_running_loop().time()
        held = self._held
        if held is not None and now < held.expires_at:
            if now >= held.renew_at and self._fetching is None and now >= self._cooldown_until:
                self._fetch()  # ahead of time, while this call goes on with the token it has
            return held.authorization
        fetch = self._fetch()
        try:
            async with asyncio.timeout_at(deadline):
                held = await asyncio.shield(fetch)
        except TimeoutError:
            why = "no token from its token endpoint within the call's deadline."
            raise self._unavailable(why) from None
        except asyncio.CancelledError:
            if fetch.cancelled() and not _being_cancelled():  # the fetch stopped, not this call
                raise self._unavailable("no token: the service is stopping.") from None
            raise
        return held.authorization

    async def after_rejection(self, rejected: str | None, deadline: float) -> str | None:
        """A new token, unless another call has replaced the rejected one already.

        None when the rejected one came less than a cooldown ago: a new one would fare no
        better, and a downstream that refuses every token would cost a fetch per call.
        """
        held = self._held
        if held is not None and held.authorization == rejected:
            if asyncio.get_running_loop().time() - held.fetched_at < self._grant.cooldown:
                return None
            self._held = None
        return await self.authorization(deadline)

    async def close(self) -> None:
        """Stop a fetch under way, and close the token endpoint's connections."""
        self._closed = True
        if self._fetching is not None:
            self._fetching.cancel()
        await self._session.close()

    def _unavailable(self, why: str, retry_after: int = 1) -> TokenUnavailable:
        return TokenUnavailable(self.name, f"{self.name}: {why}", retry_after)

    def _fetch(self) -> asyncio.Task[HeldToken]:
        """The fetch under way, or a new one; TokenUnavailable while cooling down."""
        if self._closed:
            raise self._unavailable("no token: the service is stopping.")
        if self._fetching is None:
            left = self._cooldown_until - asyncio.get_running_loop().time()
            if left > 0:
                raise TokenUnavailable(
                    self.name,
                    f"{self.name}: no token ({self._last_failure}); the next fetch is in"
                    f" {math.ceil(left)} s.",
                    math.ceil(left),
                )
            self._fetching = asyncio.get_running_loop().create_task(self._fetched())
            self._fetching.add_done_callback(self._settle)
        return self._fetching

    def _settle(self, task: asyncio.Task[HeldToken]) -> None:
        """Keep what a fetch brought: the token, or the failure and the cooldown."""
        self._fetching = None
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            self._held = task.result()
            return
        self._cooldown_until = asyncio.get_running_loop().time() + self._grant.cooldown

    async def _fetched(self) -> HeldToken:
        """A token from the endpoint, or TokenUnavailable saying what went wrong.

        Whatever else a fetch trips on is a failed fetch too, counted and logged: a call that
        needs a token hears a 503, never a 500.
        """
        try:
            return await self._obtained()
        except (TokenUnavailable, asyncio.CancelledError):
            raise
        except Exception as error:
            self._failed("failed", f"the token fetch failed ({type(error).__name__})")

    async def _obtained(self) -> HeldToken:
        started = asyncio.get_running_loop().time()
        status, body = await self._post()
        if status != 200:
            self._failed(
                "refused" if 400 <= status < 500 else "failed",
                f"the token endpoint answered {status}{error_code(body)}",
            )
        try:
            token, lifetime = token_in(body)
        except NotAToken as error:
            self._failed("bad_answer", str(error))
        self._fetches.labels(self.name, "fetched").inc()
        structlog.get_logger(__name__).info(
            "downstream token fetched", downstream=self.name, lifetime_s=lifetime
        )
        return HeldToken.of(token, lifetime, fetched_at=started)

    async def _post(self) -> tuple[int, bytes]:
        """Ask the endpoint: its status and its body."""
        try:
            return await ask_for_token(self._session, self._grant, self._fetch_timeout)
        except FetchFailed as failure:
            self._failed(failure.outcome, str(failure))

    def _failed(self, outcome: str, why: str) -> NoReturn:
        """Count and log the failed fetch, and raise what the waiting calls hear."""
        self._fetches.labels(self.name, outcome).inc()
        structlog.get_logger(__name__).warning(
            "downstream token fetch failed", downstream=self.name, outcome=outcome, reason=why
        )
        self._last_failure = why
        raise TokenUnavailable(self.name, f"{self.name}: {why}", math.ceil(self._grant.cooldown))


def _being_cancelled() -> bool:
    """Whether the task running this is being cancelled (its caller gone)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
