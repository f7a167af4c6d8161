"""Asking a token endpoint for a token: RFC 6749 section 4.4's request, its answer bounded.

The client authenticates with HTTP Basic, its id and secret form-encoded first (section 2.3.1,
which every provider must take), or in the form (`secret_in: body`, client_secret_post). A
redirect is not followed, a body over LARGEST_TOKEN_ANSWER bytes is not read, and the whole
exchange is bounded in time; each failure says what went wrong and its outcome for /metrics.
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import aiohttp

from .parts import IN_HEADER, ClientCredentialsGrant

# Bytes of the token endpoint's answer read at most: a token is a few kilobytes.
LARGEST_TOKEN_ANSWER = 64 * 1024
READ_CHUNK = 16 * 1024


class FetchFailed(Exception):  # noqa: N818 (what happened to the fetch)
    """No answer to take a token from: `outcome` for /metrics, the message for the client."""

    def __init__(self, outcome: str, why: str) -> None:
        """The fetch ended as `outcome` (timeout, unreachable, bad_answer), for `why`."""
        super().__init__(why)
        self.outcome = outcome


async def ask_for_token(
    session: aiohttp.ClientSession, grant: ClientCredentialsGrant, within: float
) -> tuple[int, bytes]:
    """The endpoint's status and whole body, within `within` seconds; FetchFailed otherwise."""
    form = {"grant_type": "client_credentials"}
    form |= {field: value for field in ("scope", "audience") if (value := getattr(grant, field))}
    headers = {"Accept": "application/json"}
    if grant.secret_in == IN_HEADER:
        headers["Authorization"] = aiohttp.encode_basic_auth(
            quote(grant.client_id, safe=""), quote(grant.client_secret, safe="")
        )
    else:
        form |= {"client_id": grant.client_id, "client_secret": grant.client_secret}
    try:
        async with asyncio.timeout(within):
            async with session.post(
                grant.token_url, data=form, headers=headers, allow_redirects=False
            ) as answer:
                body = await _bounded_body(answer)
                status = answer.status
    except TimeoutError:
        raise FetchFailed(
            "timeout", f"the token endpoint did not answer within {within:g} s"
        ) from None
    except aiohttp.ClientConnectorError:
        raise FetchFailed("unreachable", "the token endpoint cannot be reached") from None
    except aiohttp.ClientError:
        raise FetchFailed(
            "bad_answer", "the token endpoint's answer is not HTTP, or was cut off"
        ) from None
    if body is None:
        raise FetchFailed(
            "bad_answer", f"the token endpoint answered over {LARGEST_TOKEN_ANSWER} bytes"
        )
    return status, body


async def _bounded_body(answer: aiohttp.ClientResponse) -> bytes | None:
    """The whole body, read as it arrives; None once it is over LARGEST_TOKEN_ANSWER bytes."""
    body = bytearray()
    async for chunk in answer.content.iter_chunked(READ_CHUNK):
        body += chunk
        if len(body) > LARGEST_TOKEN_ANSWER:
            return None
    return bytes(body)
