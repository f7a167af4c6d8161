"""A service's own token for a downstream, from a token endpoint: kept, shared, renewed.

The token endpoint is the stand-in identity provider's (testing/key_server.py), over real HTTP;
the downstream is the stub, which echoes the headers it got.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from quart.typing import TestClientProtocol as Client

from ... import ServiceApp
from ...observability import logs
from ...testing.key_server import KeyServer
from ...testing.token_endpoint import CLIENT
from ..calling import calling_app
from ..downstream_stub import DownstreamStub

COOLDOWN = 0.5


@pytest.fixture
async def fetching(
    stub: DownstreamStub, key_server: KeyServer
) -> AsyncIterator[tuple[ServiceApp, io.StringIO]]:
    """An app calling the stub with a token of client credentials, serving, its lines kept."""
    grant = key_server.grant(scope="stub:read", cooldown=COOLDOWN)
    app, lines = app_with_lines(stub.url, auth=grant)
    async with app.test_app():
        yield app, lines


def app_with_lines(url: str, **entry: object) -> tuple[ServiceApp, io.StringIO]:
    """The calling app with `entry`'s fields, and the lines it logs."""
    app = calling_app(url, **entry)
    lines = io.StringIO()
    logs.init_app(app, lines)
    return app, lines


async def echoed_authorization(client: Client, path: str = "/call/echo") -> str | None:
    """The Authorization header the stub received for a call through `path`."""
    response = await client.get(path)
    assert response.status_code == 200, await response.get_data(as_text=True)
    headers: dict[str, str] = (await response.get_json())["body"]["headers"]
    return headers.get("authorization")


async def problem(client: Client, path: str = "/call/echo") -> tuple[int, dict[str, Any], str]:
    """The status, problem document and Retry-After of a call that failed."""
    response = await client.get(path)
    return response.status_code, await response.get_json(), response.headers.get("Retry-After", "")


async def test_a_hundred_concurrent_calls_share_one_token_fetch(
    fetching: tuple[ServiceApp, io.StringIO], key_server: KeyServer
) -> None:
    """Each call carries the token; the endpoint was asked once, with the grant's scope."""
    client = fetching[0].test_client()
    sent = await asyncio.gather(*(echoed_authorization(client) for _ in range(100)))
    assert key_server.tokens.fetches == 1
    assert len(set(sent)) == 1
    scheme, token = str(sent[0]).split(" ")
    assert scheme == "Bearer"
    assert key_server.tokens.granted == [{"grant_type": "client_credentials", "scope": "stub:read"}]
    claims = json.loads(decoded_part(token))
    assert (claims["sub"], claims["scope"]) == (CLIENT[0], "stub:read")


def decoded_part(token: str) -> bytes:
    """The claims of a JWT, undecoded JSON."""
    import base64  # noqa: PLC0415 (this helper's alone)

    payload = token.split(".")[1]
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))


async def test_a_401_gets_one_new_token_and_one_retry(
    fetching: tuple[ServiceApp, io.StringIO], key_server: KeyServer
) -> None:
    """The downstream refuses a token older than the cooldown: a new fetch, the call sent again."""
    client = fetching[0].test_client()
    first = await echoed_authorization(client)
    await asyncio.sleep(COOLDOWN)
    second = await echoed_authorization(client, "/call/flaky/401/1")
    assert key_server.tokens.fetches == 2
    assert second is not None
    assert second != first
    assert await echoed_authorization(client) == second


async def test_a_downstream_refusing_every_token_costs_one_fetch_per_cooldown(
    stub: DownstreamStub, key_server: KeyServer
) -> None:
    """20 calls answered 401 within the cooldown, and one fetch: the view hears each 401.

    A token fresher than the cooldown is not replaced: a new one would fare no better.
    """
    app, _ = app_with_lines(stub.url, auth=key_server.grant(cooldown=30))
    async with app.test_app():
        client = app.test_client()
        for _ in range(20):
            response = await client.get("/call/status/401")
            assert (await response.get_json())["status"] == 401
    assert key_server.tokens.fetches == 1


@pytest.mark.parametrize(
    ("fault", "detail"),
    [
        ({"status": 500}, "stub: the token endpoint answered 500 (temporarily_unavailable)"),
        ({"body": b"<html>sorry</html>"}, "stub: the token endpoint answered with a body"),
        ({"body": b'{"token_type": "Bearer"}'}, "stub: the token endpoint's answer holds no"),
        (
            {"body": b'{"access_token": "a\\r\\nb"}'},
            "stub: the token endpoint's answer holds",
        ),
        (
            {"body": b'{"access_token": "abc", "token_type": "mac"}'},
            "stub: the token endpoint's token is not a bearer",
        ),
        (
            {"body": b'{"access_token": "abc", "expires_in": "soon"}'},
            "stub: the token endpoint's expires_in",
        ),
        ({"body": b"[" * 60000}, "stub: the token endpoint answered with a body that is not"),
        (
            {"body": b'{"access_token": "abc", "expires_in": 1' + b"0" * 400 + b"}"},
            "stub: the token endpoint's expires_in is not a number",
        ),
        ({"clients": {}}, "stub: the token endpoint answered 401 (invalid_client)"),
    ],
)
async def test_a_token_endpoint_that_fails_is_a_503_naming_the_downstream_then_a_cooldown(
    fetching: tuple[ServiceApp, io.StringIO],
    key_server: KeyServer,
    stub: DownstreamStub,
    fault: dict[str, object],
    detail: str,
) -> None:
    """503 naming the downstream and why; within the cooldown no new fetch; then one again."""
    mended = {name: getattr(key_server.tokens, name) for name in fault}
    for name, value in fault.items():
        setattr(key_server.tokens, name, value)
    client = fetching[0].test_client()
    status, body, retry_after = await problem(client)
    assert (status, body["downstream"], retry_after) == (503, "stub", "1")
    assert body["detail"].startswith(detail), body["detail"]
    status, body, _ = await problem(client)
    assert status == 503
    assert "the next fetch is in 1 s" in body["detail"]
    assert key_server.tokens.fetches == 1
    assert stub.hits["/echo"] == 0
    for name, value in mended.items():
        setattr(key_server.tokens, name, value)
    await asyncio.sleep(COOLDOWN + 0.1)
    assert await echoed_authorization(client) is not None


async def test_a_slow_token_endpoint_is_a_503_within_the_calls_deadline(
    stub: DownstreamStub, key_server: KeyServer
) -> None:
    """The endpoint takes 2 s, the call has 0.5: 503 naming the downstream, not a 504 or a hang."""
    key_server.tokens.delay = 2
    app, _ = app_with_lines(stub.url, deadline=0.5, auth=key_server.grant())
    async with app.test_app():
        status, body, retry_after = await problem(app.test_client())
    assert (status, retry_after) == (503, "1")
    assert body["detail"] == "stub: no token from its token endpoint within the call's deadline."


async def test_an_endpoint_that_is_down_is_a_503(
    stub: DownstreamStub, key_server: KeyServer
) -> None:
    """Nothing listens at the token URL: 503, the endpoint cannot be reached."""
    key_server.stop()
    app, _ = app_with_lines(stub.url, auth=key_server.grant())
    async with app.test_app():
        status, body, _ = await problem(app.test_client())
    assert status == 503
    assert body["detail"] == "stub: the token endpoint cannot be reached"
    assert key_server.tokens.fetches == 0


async def test_a_token_without_expires_in_is_kept_by_its_own_exp(
    fetching: tuple[ServiceApp, io.StringIO], key_server: KeyServer
) -> None:
    """No expires_in: the token's exp says how long it lives; it is not fetched per call."""
    key_server.tokens.lifetime = None
    client = fetching[0].test_client()
    assert await echoed_authorization(client) == await echoed_authorization(client)
    assert key_server.tokens.fetches == 1


async def test_a_token_near_its_end_is_renewed_ahead_of_time(
    fetching: tuple[ServiceApp, io.StringIO], key_server: KeyServer
) -> None:
    """A token of 4 s: at 3.1 s a call still carries it, and a new one is fetched meanwhile.

    It is renewed from 3 s on and used until 3.6 s; the next call carries the new one.
    """
    key_server.tokens.lifetime = 4
    client = fetching[0].test_client()
    first = await echoed_authorization(client)
    await asyncio.sleep(3.1)
    assert await echoed_authorization(client) == first
    async with asyncio.timeout(5):
        # The renewal's answer, in the provider's thread, is awaited by no call.
        while await echoed_authorization(client) == first:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    assert key_server.tokens.fetches == 2


async def test_fetches_are_counted_and_nothing_secret_is_logged(
    fetching: tuple[ServiceApp, io.StringIO], key_server: KeyServer
) -> None:
    """/metrics counts fetches by outcome; no line holds the token or the client secret."""
    app, lines = fetching
    client = app.test_client()
    token = await echoed_authorization(client)
    key_server.tokens.status = 500
    await asyncio.sleep(COOLDOWN)
    status, body, _ = await problem(client, "/call/flaky/401/1")
    assert (status, body["detail"]) == (
        503,
        "stub: the token endpoint answered 500 (temporarily_unavailable)",
    )
    text = await (await client.get("/metrics")).get_data(as_text=True)
    assert 'downstream_token_fetches_total{downstream="stub",outcome="fetched"} 1.0' in text
    assert 'downstream_token_fetches_total{downstream="stub",outcome="failed"} 1.0' in text
    logged = lines.getvalue()
    assert '"event":"downstream token fetched"' in logged
    assert '"event":"downstream token fetch failed"' in logged
    assert str(token).split(" ")[1] not in logged
    assert CLIENT[1] not in logged


async def test_the_secret_can_go_in_the_body(stub: DownstreamStub, key_server: KeyServer) -> None:
    """secret_in: body, for providers that want client_secret_post."""
    app, _ = app_with_lines(stub.url, auth=key_server.grant(secret_in="body", audience="stub"))  # noqa: S106
    async with app.test_app():
        assert await echoed_authorization(app.test_client()) is not None
    [form] = key_server.tokens.granted
    assert form == {
        "grant_type": "client_credentials",
        "audience": "stub",
        "client_id": CLIENT[0],
        "client_secret": CLIENT[1],
    }


async def test_calls_waiting_on_a_fetch_when_the_app_stops_hear_a_503(
    stub: DownstreamStub, key_server: KeyServer
) -> None:
    """The fetch is stopped with the app: its waiting call is a 503 naming the downstream."""
    key_server.tokens.delay = 1
    app, _ = app_with_lines(stub.url, auth=key_server.grant())
    async with app.test_app():
        waiting = asyncio.create_task(problem(app.test_client()))
        await asyncio.sleep(0.2)
    status, body, _ = await waiting
    assert (status, body["detail"]) == (503, "stub: no token: the service is stopping.")


async def test_a_failing_token_endpoint_does_not_open_the_downstreams_breaker(
    stub: DownstreamStub, key_server: KeyServer
) -> None:
    """The provider fails, not the downstream: its breaker of one failure stays closed."""
    key_server.tokens.status = 500
    grant = key_server.grant(cooldown=0.1)
    app, _ = app_with_lines(stub.url, auth=grant, breaker={"failures": 1})
    async with app.test_app():
        client = app.test_client()
        for _ in range(3):
            assert (await problem(client))[0] == 503
            await asyncio.sleep(0.15)
        key_server.tokens.status = 200
        assert await echoed_authorization(client) is not None
