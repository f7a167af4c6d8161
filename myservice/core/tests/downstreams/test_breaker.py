"""The circuit breaker of a downstream: open after a run of failures, one trial, then closed."""

from __future__ import annotations

import asyncio
import io
import json
import socket
from collections.abc import AsyncIterator

import pytest
from quart.typing import TestClientProtocol as Client

from ... import ServiceApp
from ...observability import logs
from ...testing.live_server import free_port
from ..calling import calling_app
from ..downstream_stub import DownstreamStub

COOL_OFF = 0.5


@pytest.fixture
async def guarded(stub: DownstreamStub) -> AsyncIterator[tuple[ServiceApp, io.StringIO]]:
    """An app calling the stub behind a breaker of 3 failures and half a second, serving."""
    app = calling_app(stub.url, retries=0, breaker={"failures": 3, "cool_off": COOL_OFF})
    lines = io.StringIO()
    logs.init_app(app, lines)
    async with app.test_app():
        yield app, lines


def changes(lines: io.StringIO) -> list[str]:
    """The breaker's changes of state, as logged."""
    parsed = [json.loads(line) for line in lines.getvalue().splitlines()]
    return [line["event"] for line in parsed if line["event"].startswith("downstream circuit")]


async def state(client: Client) -> str:
    """The breaker's state as /metrics shows it."""
    text = await (await client.get("/metrics")).get_data(as_text=True)
    [line] = [line for line in text.splitlines() if line.startswith("downstream_circuit_state{")]
    return line.rsplit(" ", 1)[1]


async def open_it(client: Client) -> None:
    """Three calls answered 500: the breaker opens."""
    for _ in range(3):
        assert (await client.get("/call/status/500")).status_code == 502


async def test_a_run_of_failures_opens_it_and_calls_then_fail_at_once(
    guarded: tuple[ServiceApp, io.StringIO], stub: DownstreamStub
) -> None:
    """After 3 failed calls the next is a 503 with Retry-After, and never reaches the stub."""
    app, lines = guarded
    client = app.test_client()
    assert await state(client) == "0.0"
    await open_it(client)
    response = await client.get("/call/echo")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    body = await response.get_json()
    assert body["downstream"] == "stub"
    assert body["detail"] == "stub is failing: calls to it stop for a while (circuit breaker open)."
    assert stub.hits["/echo"] == 0
    assert await state(client) == "2.0"
    assert (await client.get("/call/echo")).status_code == 503
    assert changes(lines) == ["downstream circuit open"]


async def test_after_the_cool_off_one_trial_decides(
    guarded: tuple[ServiceApp, io.StringIO], stub: DownstreamStub
) -> None:
    """One call goes through while the others still fail at once; its success closes it."""
    app, lines = guarded
    client = app.test_client()
    await open_it(client)
    await asyncio.sleep(COOL_OFF + 0.1)
    trial = asyncio.create_task(client.get("/call/slow/1"))
    async with asyncio.timeout(5):
        while not stub.hits["/slow/1"]:  # noqa: ASYNC110 (the stub counts in its own thread)
            await asyncio.sleep(0.01)
    meanwhile = await client.get("/call/echo")
    assert meanwhile.status_code == 503
    assert await state(client) == "1.0"
    assert (await trial).status_code == 200
    assert stub.hits["/echo"] == 0
    assert (await client.get("/call/echo")).status_code == 200
    assert await state(client) == "0.0"
    assert changes(lines) == [
        "downstream circuit open",
        "downstream circuit half-open",
        "downstream circuit closed",
    ]


async def test_a_failed_trial_opens_it_again(guarded: tuple[ServiceApp, io.StringIO]) -> None:
    """The trial fails: open for another cool-off."""
    app, lines = guarded
    client = app.test_client()
    await open_it(client)
    await asyncio.sleep(COOL_OFF + 0.1)
    assert (await client.get("/call/status/503")).status_code == 502
    assert (await client.get("/call/echo")).status_code == 503
    assert changes(lines)[-1] == "downstream circuit open"
    assert await state(client) == "2.0"


async def test_answers_under_500_are_not_failures(
    guarded: tuple[ServiceApp, io.StringIO],
) -> None:
    """Ten 404s and 401s leave it closed: they are the caller's."""
    app, lines = guarded
    client = app.test_client()
    for path in ["/call/status/404", "/call/status/401"] * 5:
        assert (await client.get(path)).status_code == 200
    assert (await client.get("/call/echo")).status_code == 200
    assert changes(lines) == []


async def test_a_downstream_that_cannot_be_reached_opens_it() -> None:
    """Nothing listens: three 503s, then the breaker answers without trying to connect."""
    app = calling_app(f"http://127.0.0.1:{free_port()}", retries=0, breaker={"failures": 3})
    async with app.test_app():
        client = app.test_client()
        for _ in range(3):
            body = await (await client.get("/call/echo")).get_json()
            assert body["detail"] == "stub cannot be reached."
        body = await (await client.get("/call/echo")).get_json()
    assert body["detail"].endswith("(circuit breaker open).")
    text = await (await app.test_client().get("/metrics")).get_data(as_text=True)
    assert (
        'downstream_requests_total{downstream="stub",method="GET",status="connect_error"} 3.0'
        in text
    )


async def test_a_breaker_can_be_turned_off(stub: DownstreamStub) -> None:
    """breaker: null: every call is tried, however many failed before."""
    app = calling_app(stub.url, retries=0, breaker=None)
    async with app.test_app():
        client = app.test_client()
        for _ in range(8):
            assert (await client.get("/call/status/500")).status_code == 502
        assert (await client.get("/call/echo")).status_code == 200


async def test_a_host_that_takes_connections_and_says_nothing_opens_it() -> None:
    """A TLS downstream whose port accepts and never shakes hands: 503s, then the breaker.

    Each call waits out its connection wait (1 s); once open, the breaker answers at once.
    """
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # the kernel completes the connections; nothing ever answers
        url = f"https://127.0.0.1:{silent.getsockname()[1]}"
        app = calling_app(url, retries=0, breaker={"failures": 2})
        async with app.test_app():
            client = app.test_client()
            for _ in range(2):
                body = await (await client.get("/call/echo")).get_json()
                assert body["detail"] == "stub cannot be reached."
            body = await (await client.get("/call/echo")).get_json()
    assert body["detail"].endswith("(circuit breaker open).")


async def test_a_deadline_cut_by_the_incoming_request_is_not_the_downstreams_failure(
    stub: DownstreamStub,
) -> None:
    """RESPONSE_TIMEOUT leaves the call less than its deadline: its 504 leaves the breaker shut."""
    app = calling_app(stub.url, retries=0, deadline=5, breaker={"failures": 1})
    app.config["RESPONSE_TIMEOUT"] = 0.3
    async with app.test_app():
        client = app.test_client()
        for _ in range(2):
            assert (await client.get("/call/slow/1")).status_code == 504
        assert await state(client) == "0.0"
