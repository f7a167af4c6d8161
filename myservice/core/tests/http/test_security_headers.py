"""Every response forbids MIME sniffing; API answers stay out of caches unless a view says so."""

from __future__ import annotations

import pytest
from quart import Quart, Response
from quart.typing import TestClientProtocol as Client

from ...callers.access import public


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("GET", "/nowhere"), ("DELETE", "/"), ("OPTIONS", "/"), ("GET", "/metrics")],
)
async def test_every_response_has_the_security_headers(
    client: Client, method: str, path: str
) -> None:
    """Successes, errors, OPTIONS and plumbing all say nosniff and no-store."""
    response = await client.open(path, method=method)  # type: ignore[call-arg]  # json has a default
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


async def test_a_view_may_choose_its_own_caching(app: Quart) -> None:
    """A Cache-Control header set by the view is kept as it is."""

    @app.get("/cacheable")
    @public
    async def cacheable() -> Response:
        response = Response("{}", content_type="application/json")
        response.cache_control.max_age = 60
        response.cache_control.public = True
        return response

    response = await app.test_client().get("/cacheable")
    assert response.headers["Cache-Control"] in {"max-age=60, public", "public, max-age=60"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_a_view_that_forbids_sniffing_itself_says_it_once(app: Quart) -> None:
    """The skeleton adds nosniff only where the view did not set it already."""

    @app.get("/already")
    @public
    async def already() -> Response:
        return Response(
            "{}", content_type="application/json", headers={"X-Content-Type-Options": "nosniff"}
        )

    response = await app.test_client().get("/already")
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]
