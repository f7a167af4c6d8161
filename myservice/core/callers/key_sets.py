"""The identity provider's signing keys, from its JWKS URL (RFC 7517), kept fresh without a restart.

The set is fetched with aiohttp, never on the request path once loaded: after AUTH_JWKS_REFRESH
seconds a request starts a refresh in the background and goes on with the keys it has. A token
whose key id the set lacks (the provider rotated its keys) makes one fetch at most every
AUTH_JWKS_COOLDOWN seconds, shared by every request waiting on it, so that a flood of forged key
ids cannot turn into a flood of fetches; a refresh that failed waits as long before the next.
A failed fetch keeps the last good set. A fetch has FETCH_TIMEOUT seconds in all, however
slowly the provider answers, and stops reading at LARGEST_KEY_SET bytes. Only a 200 is a set:
a redirect is not followed (it could lead off HTTPS), and the authorities trusted are the
system's, as for every call the service makes (downstreams/).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

import aiohttp
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, import_key

from ..http.readiness import NotReady
from .tokens import KeysUnavailable

FETCH_TIMEOUT = 5.0  # seconds a fetch may take in all; a key set is a few kilobytes
LARGEST_KEY_SET = 1024 * 1024
JSON = {"Accept": "application/json"}


class RemoteKeySet:
    """The keys published at a JWKS URL: fetched at start, refreshed, shared by every request."""

    def __init__(self, url: str, refresh: float, cooldown: float, logger: logging.Logger) -> None:
        """Keep the set at `url` at most `refresh` s old; fetch at most every `cooldown` s."""
        self.url = url
        self.refresh = refresh
        self.cooldown = cooldown
        self.keys: KeySet | None = None
        self.failure = "not fetched yet"
        self._logger = logger
        self._loaded_at = self._attempted_at = self._refetched_at = -float("inf")
        self._fetch: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        """Start the first fetch; requests and /readyz wait for it only while no set has loaded."""
        self._start_fetch()

    async def close(self) -> None:
        """Stop any fetch under way and close the connections."""
        if self._fetch is not None:
            self._fetch.cancel()
        if self._session is not None:
            await self._session.close()

    async def current(self) -> KeySet:
        """The keys now; KeysUnavailable if none has ever loaded (a fetch is tried first)."""
        stale = time.monotonic() - self._loaded_at > self.refresh
        if self.keys is None:
            await self._fetch_unless_recent()
        elif stale and not (self.failure and self._tried_recently()):
            self._start_fetch()
        if self.keys is None:
            raise KeysUnavailable(self.failure)
        return self.keys

    async def after_unknown_key(self) -> KeySet:
        """The keys after a token named a key id they lack: fetched again, once per cooldown.

        The cooldown counts from the last fetch an unknown key id caused, so that keys rotated
        just after a scheduled fetch are still picked up at once.
        """
        if self._fetch is None or self._fetch.done():
            if time.monotonic() - self._refetched_at < self.cooldown:
                return await self.current()
            self._refetched_at = time.monotonic()
            self._start_fetch()
        await self._joined()
        return await self.current()

    def retry_after(self) -> int:
        """Seconds until the next fetch may be tried, for a client's Retry-After."""
        waited = time.monotonic() - self._attempted_at
        return max(1, round(self.cooldown - waited))

    async def ready(self) -> None:
        """The readiness check: NotReady while no key set has ever loaded."""
        if self.keys is None:
            await self._fetch_unless_recent()
        if self.keys is None:
            raise NotReady(f"no key set has loaded from AUTH_JWKS_URL ({self.failure})")

    async def _fetch_unless_recent(self) -> None:
        """Join the fetch under way, or start one if the last began over `cooldown` s ago."""
        if self._fetch is None or self._fetch.done():
            if self._tried_recently():
                return
            self._start_fetch()
        await self._joined()

    def _tried_recently(self) -> bool:
        """Whether a fetch began less than `cooldown` s ago."""
        return time.monotonic() - self._attempted_at < self.cooldown

    async def _joined(self) -> None:
        """Wait for the fetch under way, shared: one cancelled request cancels no one's fetch."""
        if self._fetch is not None:
            await asyncio.shield(self._fetch)

    def _start_fetch(self) -> None:
        if self._fetch is None or self._fetch.done():
            self._attempted_at = time.monotonic()
            self._fetch = asyncio.get_running_loop().create_task(self._load())

    async def _load(self) -> None:
        if self._session is None:
            # trust_env: HTTPS_PROXY and NO_PROXY are honoured, as most HTTP clients do.
            self._session = aiohttp.ClientSession(headers=JSON, trust_env=True)
        try:
            async with asyncio.timeout(FETCH_TIMEOUT):
                document = await self._download(self._session)
            keys = signing_keys(document, self._logger)
        except TimeoutError:
            self._failed(f"no whole answer within {FETCH_TIMEOUT:g} s")
        except aiohttp.ClientError as error:
            self._failed(str(error) or type(error).__name__)
        except ValueError as error:
            self._failed(str(error))
        else:
            self.keys, self._loaded_at, self.failure = keys, time.monotonic(), ""
            kids = sorted(str(key.kid) for key in keys)
            self._logger.info("key set loaded from %s: key ids %s", self.url, ", ".join(kids))

    async def _download(self, session: aiohttp.ClientSession) -> bytes:
        """The key set's bytes; ValueError for an answer not 200, or past LARGEST_KEY_SET."""
        too_large = f"the key set is larger than {LARGEST_KEY_SET} bytes"
        async with session.get(self.url, allow_redirects=False) as response:
            if response.status != 200:
                raise ValueError(f"HTTP {response.status}")
            if (response.content_length or 0) > LARGEST_KEY_SET:
                raise ValueError(too_large)
            document = bytearray()
            async for chunk in response.content.iter_any():
                document += chunk
                if len(document) > LARGEST_KEY_SET:
                    raise ValueError(too_large)
        return bytes(document)

    def _failed(self, reason: str) -> None:
        self.failure = reason
        kept = "keeping the last good set" if self.keys is not None else "no key set yet"
        self._logger.warning("key set not loaded from %s: %s; %s", self.url, reason, kept)


def signing_keys(document: bytes, logger: logging.Logger | None = None) -> KeySet:
    """The signature keys of a JWKS document; ValueError if it is not one or holds none.

    Keys for encryption (`"use": "enc"`) and of types joserfc does not know are left out, as
    RFC 7517 asks of keys a reader does not understand. So are symmetric (`oct`) keys, with a
    warning: a shared secret published in a key set is a secret anyone can sign with.
    """
    try:
        parsed = json.loads(document)
    except ValueError:
        raise ValueError("the key set is not JSON") from None
    listed = parsed.get("keys") if isinstance(parsed, dict) else None
    if not isinstance(listed, list):
        raise ValueError('the key set has no "keys" list')
    keys = []
    for entry in listed:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        if entry.get("kty") == "oct":
            if logger is not None:
                logger.warning(
                    "the key set publishes a symmetric (oct) key, kid %r: a secret made public,"
                    " never used to verify; tell the identity provider",
                    str(entry.get("kid")),
                )
            continue
        try:
            keys.append(import_key(entry))
        except (JoseError, ValueError, TypeError):
            continue
    if not keys:
        raise ValueError("the key set holds no signing key")
    return KeySet(keys)
