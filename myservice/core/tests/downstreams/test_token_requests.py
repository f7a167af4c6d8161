"""Asking a token endpoint: the request RFC 6749 describes, the answer read whole and bounded."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from ...downstreams.parts import ClientCredentialsGrant
from ...downstreams.token_requests import LARGEST_TOKEN_ANSWER, FetchFailed, ask_for_token
from ...testing.key_server import KeyServer

# A secret with what form-encoding changes: a space, +, / and =.
AWKWARD = "a secret+/="


def grant_of(token_url: str) -> ClientCredentialsGrant:
    """A grant of the client `orders` at `token_url`."""
    return ClientCredentialsGrant(token_url, "orders", AWKWARD, "a:read", None, "header", 5)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A client session, closed after the test."""
    async with aiohttp.ClientSession() as opened:
        yield opened


async def test_the_secret_goes_in_basic_form_encoded_first(
    session: aiohttp.ClientSession, key_server: KeyServer
) -> None:
    """A secret with spaces, + / and = reaches the provider as it is, and a token comes back."""
    key_server.tokens.clients["orders"] = AWKWARD
    status, body = await ask_for_token(session, grant_of(key_server.token_url), 5)
    assert status == 200
    assert json.loads(body)["token_type"].lower() == "bearer"
    assert key_server.tokens.granted == [{"grant_type": "client_credentials", "scope": "a:read"}]


async def test_an_answer_in_pieces_is_read_whole(session: aiohttp.ClientSession) -> None:
    """A body sent in two parts, 50 ms apart, as a large token over TLS can come."""
    document = json.dumps({"access_token": "x" * 3000, "token_type": "Bearer"}).encode()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(document)}\r\n\r\n".encode()
        writer.write(head + document[:1000])
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(document[1000:])
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        status, body = await ask_for_token(session, grant_of(f"http://127.0.0.1:{port}/t"), 5)
    assert (status, body) == (200, document)


@pytest.mark.parametrize(
    ("fault", "outcome", "why"),
    [
        ({"body": b"x" * (LARGEST_TOKEN_ANSWER + 1)}, "bad_answer", "answered over 65536 bytes"),
        ({"delay": 1.0}, "timeout", "did not answer within 0.2 s"),
    ],
)
async def test_an_answer_too_large_or_too_slow_is_a_failed_fetch(
    session: aiohttp.ClientSession,
    key_server: KeyServer,
    fault: dict[str, object],
    outcome: str,
    why: str,
) -> None:
    """Past the largest answer, or the time given: FetchFailed, its outcome for /metrics."""
    for name, value in fault.items():
        setattr(key_server.tokens, name, value)
    with pytest.raises(FetchFailed, match=why) as failed:
        await ask_for_token(session, grant_of(key_server.token_url), 0.2)
    assert failed.value.outcome == outcome


async def test_a_token_url_where_nothing_listens_is_unreachable(
    session: aiohttp.ClientSession, key_server: KeyServer
) -> None:
    """Connection refused: outcome unreachable."""
    key_server.stop()
    with pytest.raises(FetchFailed, match="cannot be reached") as failed:
        await ask_for_token(session, grant_of(key_server.token_url), 5)
    assert failed.value.outcome == "unreachable"
