"""The gate before every view: what it checks, in which order, and what never reaches it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from quart import Blueprint, Quart, request
from werkzeug.datastructures import Headers

from ...callers.gate import address_key
from ...http.access import requires
from ..plumbing import create_app


def gated_app(**settings: object) -> Quart:
    """The plumbing with a route needing a scope, and one added with no rule at all."""
    app = create_app({"TESTING": True, **settings})
    routes = Blueprint("_gated", __name__)

    @routes.route("/refunds", methods=["GET", "DELETE"])
    @requires("refunds:write")
    async def refunds() -> dict[str, str]:
        return {}

    # After the start-up check, as a route registered late would be: it declares nothing.
    @routes.get("/forgotten")
    async def forgotten() -> dict[str, str]:
        return {"secret": "leaked"}

    app.register_blueprint(routes)
    return app


def forwarded(peer: str, *lines: str) -> dict[str, object]:
    """A request from `peer` whose X-Forwarded-For header lines say `lines`, in order."""
    headers = Headers([("X-Forwarded-For", line) for line in lines])
    return {"scope_base": {"client": (peer, 40000)}, "headers": headers}


async def test_a_route_that_declares_nothing_needs_a_token(
    bearer: Callable[..., dict[str, str]],
) -> None:
    """A route that slipped past the start-up check is closed, not open: 401, then any token."""
    client = gated_app().test_client()
    assert (await client.get("/forgotten")).status_code == 401
    assert (await client.get("/forgotten", headers=bearer())).status_code == 200


async def test_what_quart_answers_itself_asks_for_no_token() -> None:
    """OPTIONS, a method the route lacks, and an unknown path: answered without the gate."""
    client = gated_app().test_client()
    options = await client.options("/refunds")
    assert options.status_code == 204
    assert set(options.headers["Allow"].split(", ")) >= {"GET", "DELETE"}
    assert (await client.post("/refunds")).status_code == 405
    assert (await client.get("/nowhere")).status_code == 404


async def test_a_token_lacking_the_scope_still_spends_the_callers_budget(
    bearer: Callable[..., dict[str, str]],
) -> None:
    """The rate limit comes before the scopes: a caller hammering a 403 is limited too."""
    client = gated_app(RATE_LIMIT="2/minute").test_client()
    statuses = [(await client.get("/refunds", headers=bearer())).status_code for _ in range(3)]
    assert statuses == [403, 403, 429]
    granted = await client.get("/refunds", headers=bearer("refunds:write", subject="other"))
    assert granted.status_code == 200


async def test_a_forwarded_address_from_an_untrusted_peer_is_ignored() -> None:
    """Without TRUSTED_PROXIES, a client cannot buy a fresh budget by sending X-Forwarded-For."""
    client = gated_app(RATE_LIMIT="1/minute").test_client()
    assert (await client.get("/", **forwarded("10.0.0.5", "192.0.2.1"))).status_code == 200
    assert (await client.get("/", **forwarded("10.0.0.5", "192.0.2.2"))).status_code == 429


async def test_behind_a_trusted_proxy_each_client_has_its_own_budget() -> None:
    """With the proxy's network trusted, the address it saw is the one limited."""
    client = gated_app(RATE_LIMIT="1/minute", TRUSTED_PROXIES=["10.0.0.0/8"]).test_client()
    assert (await client.get("/", **forwarded("10.0.0.5", "192.0.2.1"))).status_code == 200
    assert (await client.get("/", **forwarded("10.0.0.6", "192.0.2.2"))).status_code == 200
    assert (await client.get("/", **forwarded("10.0.0.6", "192.0.2.1"))).status_code == 429
    # A client's own X-Forwarded-For, left of the address the proxy appended, changes nothing.
    spoofed = await client.get("/", **forwarded("10.0.0.5", "198.51.100.7, 192.0.2.1"))
    assert spoofed.status_code == 429


async def test_a_proxy_that_adds_a_line_of_its_own_is_read_across_every_line() -> None:
    """A client's forged line comes first; the proxy's own line after it is what counts."""
    client = gated_app(RATE_LIMIT="3/minute", TRUSTED_PROXIES=["10.0.0.0/8"]).test_client()
    statuses = [
        (await client.get("/", **forwarded("10.0.0.5", f"198.51.100.{n}", "192.0.2.1"))).status_code
        for n in range(8)
    ]
    assert statuses == [200, 200, 200, 429, 429, 429, 429, 429]


async def test_an_ipv6_client_is_one_client_across_its_64() -> None:
    """Addresses of one /64 share a budget; another /64 has its own."""
    client = gated_app(RATE_LIMIT="2/minute").test_client()

    async def from_address(address: str) -> int:
        response = await client.get("/", scope_base={"client": (address, 40000)})
        return response.status_code

    assert await from_address("2001:db8:1:2::1") == 200
    assert await from_address("2001:db8:1:2:ffff::9") == 200
    assert await from_address("2001:db8:1:2:abcd::7") == 429
    assert await from_address("2001:db8:1:3::1") == 200


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("<local>", "<local>"),
        (None, None),
    ],
)
def test_the_key_of_an_address(address: str | None, key: str | None) -> None:
    """IPv4 whole, IPv6 by its /64, an IPv4-mapped IPv6 as the IPv4 it is; the rest as it is."""
    assert address_key(address) == key


async def test_the_gate_decides_before_any_before_request_hook() -> None:
    """A hook of the service never runs for a caller the gate turns away."""
    app = gated_app()
    ran: list[str] = []

    @app.before_request
    async def remember() -> None:
        ran.append(request.path)

    client = app.test_client()
    assert (await client.get("/refunds")).status_code == 401
    assert ran == []
    assert (await client.get("/")).status_code == 200
    assert ran == ["/"]
