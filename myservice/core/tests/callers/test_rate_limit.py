"""RATE_LIMIT per caller, with the draft's headers, counted in memory or in Redis."""

from __future__ import annotations

import asyncio
import io
import json
import os
import time
import uuid
from collections.abc import Callable

import pytest
from quart import Blueprint, Quart

from ...http.access import public, requires
from ...observability import logs
from ...testing.live_server import free_port
from ..plumbing import create_app

REDIS = os.environ.get("TEST_REDIS_URL")
# A token whose header is {"alg":"RS256","crit":[1]}, no key or signature needed.
CRIT_OF_A_NUMBER = "eyJhbGciOiJSUzI1NiIsImNyaXQiOlsxXX0.eyJzdWIiOiJ4In0.c2ln"


def limited_app(**settings: object) -> Quart:
    """The plumbing with a public and a protected route, in test mode."""
    app = create_app({"TESTING": True, **settings})
    routes = Blueprint("_limited", __name__)

    @routes.get("/open")
    @public
    async def open_to_all() -> dict[str, str]:
        return {}

    @routes.get("/mine")
    @requires()
    async def mine() -> dict[str, str]:
        return {}

    app.register_blueprint(routes)
    return app


def peer(address: str) -> dict[str, object]:
    """The ASGI scope of a request from `address`, as a server would give it."""
    return {"client": (address, 40000)}


async def test_over_the_limit_is_a_429_saying_when_to_come_back() -> None:
    """The third request of two a minute: 429 problem, Retry-After, and the draft's headers."""
    client = limited_app(RATE_LIMIT="2/minute").test_client()
    first, second, third = [await client.get("/open") for _ in range(3)]
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
    assert first.headers["RateLimit-Policy"] == '"default";q=2;w=60'
    assert first.headers["RateLimit"].startswith('"default";r=1;t=')
    assert second.headers["RateLimit"].startswith('"default";r=0;t=')
    retry_after = int(third.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert third.headers["RateLimit"] == f'"default";r=0;t={retry_after}'
    body = await third.get_json()
    assert third.mimetype == "application/problem+json"
    assert body["detail"] == f"Over the rate limit of 2/minute; try again in {retry_after} s."


async def test_each_address_has_a_budget_of_its_own() -> None:
    """A caller known by its address only spends its own budget, not another's."""
    client = limited_app(RATE_LIMIT="1/minute").test_client()
    assert (await client.get("/open", scope_base=peer("10.0.0.1"))).status_code == 200
    assert (await client.get("/open", scope_base=peer("10.0.0.1"))).status_code == 429
    assert (await client.get("/open", scope_base=peer("10.0.0.2"))).status_code == 200


async def test_a_signed_in_caller_is_limited_by_subject_wherever_it_calls_from(
    bearer: Callable[..., dict[str, str]],
) -> None:
    """Behind one address, two subjects have a budget each; one subject's follows it around."""
    client = limited_app(RATE_LIMIT="1/minute").test_client()
    alice, bob = bearer(subject="alice"), bearer(subject="bob")
    assert (
        await client.get("/mine", headers=alice, scope_base=peer("10.0.0.1"))
    ).status_code == 200
    assert (await client.get("/mine", headers=bob, scope_base=peer("10.0.0.1"))).status_code == 200
    moved = await client.get("/mine", headers=alice, scope_base=peer("10.0.0.9"))
    assert moved.status_code == 429


async def test_bad_tokens_spend_the_budget_of_their_address() -> None:
    """Guessing tokens is limited like any anonymous traffic: 401s count, then 429."""
    client = limited_app(RATE_LIMIT="2/minute").test_client()
    guesses = [{"Authorization": f"Bearer not.a.{n}"} for n in range(3)]
    statuses = [(await client.get("/mine", headers=guess)).status_code for guess in guesses]
    assert statuses == [401, 401, 429]


async def test_the_probes_are_never_limited(database_url: str) -> None:
    """/livez and /readyz answer however often they are asked: a limited probe restarts pods."""
    app = limited_app(RATE_LIMIT="1/minute", DATABASE_URL=database_url)
    async with app.test_app():
        client = app.test_client()
        for _ in range(3):
            assert (await client.get("/livez")).status_code == 200
            assert (await client.get("/readyz")).status_code == 200
        assert "RateLimit" not in (await client.get("/livez")).headers


async def test_without_a_rate_limit_nothing_is_counted() -> None:
    """RATE_LIMIT unset (the default): no limit, and no RateLimit headers."""
    client = limited_app().test_client()
    for _ in range(5):
        response = await client.get("/open")
        assert response.status_code == 200
        assert "RateLimit" not in response.headers


async def test_a_window_that_has_passed_lets_the_caller_back_in() -> None:
    """Counts in memory expire with their window: after a second, 1/second allows again."""
    client = limited_app(RATE_LIMIT="1/second").test_client()
    # At the start of a second: two requests that straddled one would be counted in two windows,
    # the first weighted by how little of its window is left, and rounded down, as `limits` does.
    await asyncio.sleep(1 - time.time() % 1)
    assert (await client.get("/open")).status_code == 200
    refused = await client.get("/open")
    assert refused.status_code == 429
    await asyncio.sleep(int(refused.headers["Retry-After"]) + 0.1)
    assert (await client.get("/open")).status_code == 200


async def test_a_store_that_cannot_be_reached_lets_requests_through_with_one_warning() -> None:
    """Redis down: requests are served unlimited, and the log says so once, not per request."""
    stream = io.StringIO()
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    app = limited_app(RATE_LIMIT="1/minute", RATE_LIMIT_STORAGE=unreachable, LOG_FORMAT="json")
    logs.init_app(app, stream)
    async with app.test_app():
        client = app.test_client()
        statuses = [(await client.get("/open")).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    warnings = [line for line in lines if line["level"] == "warning"]
    assert len(warnings) == 1
    assert warnings[0]["event"].startswith("rate limit store unreachable, requests not limited")


@pytest.mark.skipif(REDIS is None, reason="make test-servers runs it, on the Redis of the machine")
async def test_workers_sharing_redis_share_the_budget() -> None:
    """Two apps (two workers, or two pods) on one Redis: the second sees the first's count."""
    assert REDIS is not None
    # A database of Redis's own per run would need a server per test; a fresh address is enough.
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.1"
    settings = {"RATE_LIMIT": "2/minute", "RATE_LIMIT_STORAGE": REDIS}
    one, other = limited_app(**settings), limited_app(**settings)
    async with one.test_app(), other.test_app():
        first, second = one.test_client(), other.test_client()
        assert (await first.get("/open", scope_base=peer(address))).status_code == 200
        assert (await second.get("/open", scope_base=peer(address))).status_code == 200
        assert (await first.get("/open", scope_base=peer(address))).status_code == 429


async def test_tokens_the_library_trips_on_spend_the_budget_too() -> None:
    """A header joserfc raises TypeError for is a 401 like any bad token, and counted so."""
    client = limited_app(RATE_LIMIT="2/minute").test_client()
    tripping = {"Authorization": f"Bearer {CRIT_OF_A_NUMBER}"}
    statuses = [(await client.get("/mine", headers=tripping)).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
