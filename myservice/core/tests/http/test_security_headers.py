"""Every response forbids MIME sniffing; API answers stay out of caches unless a view says so."""

from __future__ import annotations

import pytest
from quart import Quart, Response, abort
from quart.typing import TestClientProtocol as Client

from ...http.access import public
from ...http.security_headers import cache_control
from ..plumbing import create_app


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


async def test_a_view_may_declare_how_its_answers_are_cached() -> None:
    """@cache_control: its 2xx carry the policy instead of no-store; its errors still no-store."""
    app = create_app({"TESTING": True})

    @app.get("/catalogue/<int:page>")
    @public
    @cache_control("public, max-age=60")
    async def catalogue(page: int) -> dict[str, int]:
        if page > 3:
            abort(404)
        return {"page": page}

    client = app.test_client()
    kept = await client.get("/catalogue/1")
    assert kept.headers.getlist("Cache-Control") == ["public, max-age=60"]
    missing = await client.get("/catalogue/9")
    assert missing.status_code == 404
    assert missing.headers.getlist("Cache-Control") == ["no-store"]


def test_a_policy_is_one_line() -> None:
    """A newline in a policy would split the header: refused where the view is declared."""
    with pytest.raises(ValueError, match="one line of directives"):
        cache_control("public\r\nSet-Cookie: x=1")
