"""Which calls to a downstream are tried again, how often, and what the client hears after."""

from __future__ import annotations

import asyncio
import io

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client

from ...testing.live_server import free_port
from ..calling import calling_app, downstream_lines
from ..downstream_stub import DownstreamStub


@pytest.fixture
def client(calling: tuple[Quart, io.StringIO]) -> Client:
    """A client of the calling app."""
    return calling[0].test_client()


async def test_a_get_answered_503_is_retried_until_it_succeeds(
    client: Client, stub: DownstreamStub, calling: tuple[Quart, io.StringIO]
) -> None:
    """Two 503s then 200, with retries 2: the client gets 200; the log says three attempts."""
    response = await client.get("/call/flaky/503/2")
    assert (await response.get_json())["status"] == 200
    assert stub.hits["/flaky/503/2"] == 3
    [line] = downstream_lines(calling[1])
    assert (line["attempts"], line["status"], line["outcome"]) == (3, 200, "answered")


async def test_a_get_still_failing_after_the_retries_is_a_502_naming_the_downstream(
    client: Client, stub: DownstreamStub
) -> None:
    """Three 503s to a GET: 502 problem, `downstream` named, the answer counted."""
    response = await client.get("/call/status/503")
    assert response.status_code == 502
    assert response.mimetype == "application/problem+json"
    body = await response.get_json()
    assert body["downstream"] == "stub"
    assert body["detail"] == "stub answered 503 after 3 attempts."
    assert stub.hits["/status/503"] == 3


async def test_a_post_is_never_retried_once_sent(client: Client, stub: DownstreamStub) -> None:
    """A POST answered 503 is not sent again: it may have been acted on. The client gets 502."""
    response = await client.post("/call/status/503", data=b"{}")
    assert response.status_code == 502
    assert stub.hits["/status/503"] == 1
    dropped = await client.post("/call/drop", data=b"{}")
    assert dropped.status_code == 502
    assert (await dropped.get_json())["detail"] == "stub dropped the connection."
    assert stub.hits["/drop"] == 1


async def test_a_500_is_not_retried(client: Client, stub: DownstreamStub) -> None:
    """500 says the downstream failed at the request itself: asking again would fail again."""
    response = await client.get("/call/status/500")
    assert response.status_code == 502
    assert stub.hits["/status/500"] == 1


async def test_a_dropped_connection_is_retried_for_a_get(
    client: Client, stub: DownstreamStub
) -> None:
    """A GET whose connection drops is tried again, up to the retries, then 502."""
    response = await client.get("/call/drop")
    assert response.status_code == 502
    assert stub.hits["/drop"] == 3


async def test_a_downstream_that_cannot_be_reached_is_a_503_with_retry_after() -> None:
    """Nothing listening: every attempt fails to connect; 503, Retry-After, the name."""
    app = calling_app(f"http://127.0.0.1:{free_port()}", retries=1)
    async with app.test_app():
        response = await app.test_client().get("/call/echo")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert (await response.get_json())["detail"] == "stub cannot be reached."


async def test_a_full_pool_is_a_503(stub: DownstreamStub) -> None:
    """A pool of 1, one call in flight: the next waits for a connection, then 503 with Retry-After."""
    app = calling_app(stub.url, pool=1, deadline=3)
    async with app.test_app():
        client = app.test_client()
        slow = asyncio.create_task(client.get("/call/slow/1.5"))
        await asyncio.sleep(0.2)
        refused = await client.get("/call/echo")
        assert refused.status_code == 503
        assert (await refused.get_json())["detail"] == "stub: no connection within 1 s (pool full)."
        assert (await slow).status_code == 200


async def test_a_redirect_is_handed_back_not_followed(client: Client, stub: DownstreamStub) -> None:
    """A 302 reaches the view: followed, it would carry the headers on and make a POST a GET."""
    response = await client.post("/call/redirect", data=b"{}")
    assert response.status_code == 502  # the view asks for JSON; a 302 has no body
    assert stub.hits["/redirect"] == 1
    assert stub.hits["/echo"] == 0


async def test_an_answer_that_is_not_http_is_a_502(client: Client, stub: DownstreamStub) -> None:
    """Garbage where an answer should be: 502 naming the downstream, not a traceback."""
    response = await client.get("/call/garbled")
    assert response.status_code == 502
    assert (await response.get_json())["detail"] == "stub sent an answer that is not HTTP."
