"""Every route says who may call it, or the service does not start; access is never implied."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from quart import Quart, Response
from quart.testing import QuartClient, WebsocketResponseError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError, Rule

from .... import create_app as create_service_app
from ...http.access import access_of, requires
from ..observability.test_open_websockets import FEED
from ..plumbing import create_app_with_views

UNDECLARED_VIEW = """
    from quart import Blueprint

    blueprint = Blueprint("refunds", __name__)


    @blueprint.route("/refunds", methods=["GET", "POST"])
    async def refunds() -> dict[str, str]:
        return {}
"""

DECLARED_VIEW = """
    from quart import Blueprint

    from {SERVICE}.core import public, requires

    blueprint = Blueprint("refunds", __name__)


    @blueprint.get("/refunds")
    @requires("refunds:read")
    async def list_refunds() -> dict[str, str]:
        return {}


    @blueprint.get("/refunds/terms")
    @public
    async def terms() -> dict[str, str]:
        return {"terms": "thirty days"}
"""


def test_a_route_that_declares_nothing_stops_the_start_naming_it(tmp_path: Path) -> None:
    """A view with neither @public nor @requires: exit 1, naming its methods, path and view."""
    with pytest.raises(SystemExit) as stopped:
        create_app_with_views(tmp_path, {"refunds": UNDECLARED_VIEW}, {"TESTING": True})
    message = str(stopped.value.code)
    assert "GET POST /refunds (view refunds.refunds)" in message
    assert '@public or @requires("scope")' in message


async def test_declared_routes_start_and_answer_by_their_rule(tmp_path: Path) -> None:
    """A module of declared views starts: its public route answers, its protected one asks."""
    app = create_app_with_views(tmp_path, {"refunds": DECLARED_VIEW}, {"TESTING": True})
    client = app.test_client()
    assert (await client.get("/refunds/terms")).status_code == 200
    assert (await client.get("/refunds")).status_code == 401


@pytest.mark.parametrize("scope", ["", "refunds read", "refunds:read\n"])
def test_a_scope_is_one_word(scope: str) -> None:
    """@requires refuses, when the module is imported, a scope no token could carry."""
    with pytest.raises(ValueError, match="a scope is one word without spaces"):
        requires(scope)


# Values for a path's parameters, one of which each converter (int, uuid, string) accepts.
SAMPLES = (1, "00000000-0000-0000-0000-000000000001", "sample")


def sample_path(app: Quart, rule: Rule, method: str) -> str:
    """A path that `rule` matches, its parameters filled with values their converters accept."""
    adapter = app.url_map.bind("localhost")
    for sample in SAMPLES:
        try:
            built = adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, sample), method)
            path = urlsplit(built).path  # a WebSocket's is built whole: ws://localhost/...
            if adapter.match(path, method, websocket=rule.websocket)[0] == rule.endpoint:
                return path
        except (BuildError, HTTPException, ValueError):
            continue
    raise AssertionError(f"no sample value fits the parameters of {rule.rule}")


@pytest.fixture
def service_app() -> Quart:
    """The service's own app, its views included: what the policy holds of."""
    return create_service_app({"TESTING": True})


def test_every_route_of_the_service_declares_its_rule(service_app: Quart) -> None:
    """The service's views and core's endpoints each carry a rule, as the start-up check needs."""
    for endpoint, view in service_app.view_functions.items():
        assert access_of(view) is not None, endpoint


async def refused_without_a_token(app: Quart) -> list[str]:
    """Check that each protected route of `app` answers 401 without a token; list those checked."""
    client = QuartClient(app)
    checked = []
    for rule in app.url_map.iter_rules():
        access = access_of(app.view_functions[rule.endpoint])
        if access is None or access.public:
            continue
        for method in sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}):
            path = sample_path(app, rule, method)
            if rule.websocket:
                response = await websocket_refusal(client, path)
            else:
                response = await client.open(path, method=method)
            assert response.status_code == 401, f"{method} {rule.rule}"
            assert response.headers["WWW-Authenticate"].startswith("Bearer ")
            checked.append(f"{method} {rule.rule}")
    return checked


async def websocket_refusal(client: QuartClient, path: str) -> Response:
    """The answer a WebSocket at `path` gives instead of accepting; fails if it accepts."""
    try:
        async with client.websocket(path) as socket:
            await socket.receive()
    except WebsocketResponseError as refused:
        return refused.response
    raise AssertionError(f"the WebSocket {path} was accepted without a token")


async def test_every_protected_route_of_the_service_refuses_a_caller_without_a_token(
    service_app: Quart, tmp_path: Path
) -> None:
    """Each route of the service that requires a token answers 401 to a request without one."""
    await refused_without_a_token(service_app)
    # The same check finds the protected routes of modules that have one: a WebSocket too.
    modules = {"refunds": DECLARED_VIEW, "feed": FEED}
    views = create_app_with_views(tmp_path, modules, {"TESTING": True})
    assert sorted(await refused_without_a_token(views)) == [
        "GET /audit-trail",
        "GET /feed",
        "GET /log-level",
        "GET /refunds",
        "PUT /log-level",
    ]


def test_a_view_on_a_path_core_serves_stops_the_start_naming_both(tmp_path: Path) -> None:
    """A team's GET /info beside core's: one would never answer, so neither is served."""
    views = {
        "info": """
            from quart import Blueprint

            from {SERVICE}.core import public

            blueprint = Blueprint("info", __name__)


            @blueprint.get("/info")
            @public
            async def about() -> dict[str, str]:
                \"\"\"What this team says about itself.\"\"\"
                return {"team": "payments"}
        """
    }
    with pytest.raises(SystemExit) as stopped:
        create_app_with_views(tmp_path, views)
    assert "GET /info is served by both _probes.info and info.about" in str(stopped.value.code)
