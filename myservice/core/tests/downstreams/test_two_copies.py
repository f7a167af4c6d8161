"""Two copies of the service on loopback, the second calling the first's protected route.

Both serve docs/downstreams.md's worked example on the production server: the catalogue's
protected GET /products/<sku>, and GET /upstream/<sku>, which asks the catalogue for it with a
token of its own.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Callable
from pathlib import Path

import aiohttp

from ...testing.key_server import KeyServer
from ...testing.live_server import LiveServer
from ...testing.token_endpoint import CLIENT
from .worked_example import example_factory

CALLS = 100


def calling(catalogue: LiveServer, auth: dict[str, object]) -> dict[str, object]:
    """The DOWNSTREAMS of a copy that calls `catalogue` with `auth`."""
    return {"catalogue": {"url": f"http://127.0.0.1:{catalogue.port}", "auth": auth}}


async def asked_by(session: aiohttp.ClientSession, caller: LiveServer, sku: str) -> str:
    """Whom the catalogue saw asking for `sku`, through the caller's GET /upstream/<sku>."""
    async with session.get(f"http://127.0.0.1:{caller.port}/upstream/{sku}") as answer:
        body = await answer.text()
        assert answer.status == 200, body
    return str(json.loads(body)["asked_by"])


async def test_a_hundred_calls_fetch_one_token_and_a_rotation_one_more(
    tmp_path: Path, serve: Callable[..., LiveServer], key_server: KeyServer
) -> None:
    """100 concurrent calls, one fetch; the keys rotated, one 401 and one more fetch.

    The catalogue is started again after the rotation, with only the new key: the caller's
    token gets a 401, the caller one new token, and the call still succeeds.
    """
    catalogue_app = example_factory(tmp_path, "catalogue")
    catalogue = serve(factory=catalogue_app, **key_server.settings())
    caller = serve(
        factory=example_factory(tmp_path, "caller"),
        # A cooldown shorter than the catalogue's restart: its token is then old enough to be
        # replaced after a 401.
        DOWNSTREAMS=calling(catalogue, key_server.grant(scope="products:read", cooldown=1)),
    )
    async with aiohttp.ClientSession() as session:
        seen = await asyncio.gather(*(asked_by(session, caller, f"p{n}") for n in range(CALLS)))
        assert seen == [CLIENT[0]] * CALLS
        assert key_server.tokens.fetches == 1
        key_server.rotate()
        catalogue.stop(signal.SIGTERM)
        serve(factory=catalogue_app, port=catalogue.port, **key_server.settings())
        assert await asked_by(session, caller, "after-rotation") == CLIENT[0]
    assert key_server.tokens.fetches == 2


async def test_in_development_a_copy_gets_its_token_from_the_others_endpoint(
    tmp_path: Path, serve: Callable[..., LiveServer]
) -> None:
    """With the development key, as under make run: the token comes from the catalogue itself."""
    catalogue = serve(factory=example_factory(tmp_path, "catalogue"), AUTH_DEVELOPMENT_KEY=True)
    grant: dict[str, object] = {
        "token_url": f"http://127.0.0.1:{catalogue.port}/development/token",
        "client_id": "orders",
        "client_secret": "development",
        "scope": "products:read",
    }
    caller = serve(
        factory=example_factory(tmp_path, "caller"), DOWNSTREAMS=calling(catalogue, grant)
    )
    async with aiohttp.ClientSession() as session:
        assert await asked_by(session, caller, "kettle") == "orders"
