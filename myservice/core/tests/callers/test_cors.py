"""CORS: off by default; listed origins get readable answers and preflights, others a 403."""

from __future__ import annotations

import pytest
from quart import Blueprint, Quart

from ...http.access import requires
from ..plumbing import create_app

APP_ORIGIN = "https://app.example.com"
PREFLIGHT = {
    "Origin": APP_ORIGIN,
    "Access-Control-Request-Method": "DELETE",
    "Access-Control-Request-Headers": "authorization, content-type",
}


def cors_app(**settings: object) -> Quart:
    """The plumbing with a protected route, in test mode."""
    app = create_app({"TESTING": True, **settings})
    routes = Blueprint("_cors", __name__)

    @routes.route("/refunds", methods=["GET", "DELETE"])
    @requires("refunds:write")
    async def refunds() -> dict[str, str]:
        return {}

    app.register_blueprint(routes)
    return app


async def test_an_allowed_origin_may_read_the_answer_and_its_headers() -> None:
    """A listed origin gets Allow-Origin, the headers it may read, and Vary: Origin."""
    client = cors_app(CORS_ORIGINS=[APP_ORIGIN]).test_client()
    response = await client.get("/", headers={"Origin": APP_ORIGIN})
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    exposed = response.headers["Access-Control-Expose-Headers"].split(", ")
    assert {"WWW-Authenticate", "Retry-After", "RateLimit", "X-Request-ID", "ETag"} <= set(exposed)
    assert response.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_a_refusal_is_readable_by_an_allowed_page_too() -> None:
    """A 401 to a listed origin carries Allow-Origin, so that its page can read the challenge."""
    client = cors_app(CORS_ORIGINS=[APP_ORIGIN]).test_client()
    response = await client.get("/refunds", headers={"Origin": APP_ORIGIN})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN


async def test_another_origin_is_answered_but_its_page_cannot_read_it() -> None:
    """An origin not listed: the answer has no Allow-Origin, so the browser withholds it."""
    client = cors_app(CORS_ORIGINS=[APP_ORIGIN]).test_client()
    response = await client.get("/", headers={"Origin": "https://evil.example.net"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Vary"] == "Origin"


async def test_a_preflight_from_an_allowed_origin_needs_no_token() -> None:
    """204 with the route's methods, the headers asked for and how long to remember it."""
    client = cors_app(CORS_ORIGINS=[APP_ORIGIN], CORS_MAX_AGE=120).test_client()
    response = await client.options("/refunds", headers=PREFLIGHT)
    assert response.status_code == 204
    methods = set(response.headers["Access-Control-Allow-Methods"].split(", "))
    assert methods >= {"GET", "DELETE"}
    assert response.headers["Access-Control-Allow-Headers"] == "authorization, content-type"
    assert response.headers["Access-Control-Max-Age"] == "120"
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN


async def test_a_preflight_from_another_origin_is_a_403_problem() -> None:
    """A preflight from an origin not listed is refused, saying which setting decides."""
    client = cors_app(CORS_ORIGINS=[APP_ORIGIN]).test_client()
    headers = {**PREFLIGHT, "Origin": "https://evil.example.net"}
    response = await client.options("/refunds", headers=headers)
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert (await response.get_json())["detail"] == (
        "Pages from https://evil.example.net may not call this service (CORS_ORIGINS)."
    )


async def test_any_origin_with_a_star() -> None:
    """CORS_ORIGINS ["*"]: every origin reads the answers, with Allow-Origin *."""
    client = cors_app(CORS_ORIGINS=["*"]).test_client()
    response = await client.get("/", headers={"Origin": "https://anyone.example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_credentials_are_allowed_only_when_asked_for() -> None:
    """CORS_ALLOW_CREDENTIALS true adds Allow-Credentials for the listed origins."""
    client = cors_app(CORS_ORIGINS=[APP_ORIGIN], CORS_ALLOW_CREDENTIALS=True).test_client()
    response = await client.get("/", headers={"Origin": APP_ORIGIN})
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_a_star_with_credentials_stops_the_start() -> None:
    """Any origin with credentials would let every page act as its visitor: exit 1, saying so."""
    with pytest.raises(SystemExit) as stopped:
        cors_app(CORS_ORIGINS=["*"], CORS_ALLOW_CREDENTIALS=True)
    assert "browsers refuse that pair" in str(stopped.value.code)


async def test_cors_is_off_by_default() -> None:
    """No CORS_ORIGINS: no CORS headers at all, and OPTIONS is a plain 204."""
    client = cors_app().test_client()
    response = await client.get("/", headers={"Origin": APP_ORIGIN})
    assert not [name for name, _ in response.headers.items() if name.startswith("Access-Control-")]
    options = await client.options("/refunds", headers=PREFLIGHT)
    assert options.status_code == 204
    assert "Access-Control-Allow-Methods" not in options.headers
