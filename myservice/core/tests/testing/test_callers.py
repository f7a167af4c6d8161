"""The plugin's callers: signed-in clients, tokens and their headers open what they grant."""

from __future__ import annotations

from collections.abc import Callable

from quart import Blueprint, Quart

from ...callers.auth import current_caller
from ...http.access import requires
from ...testing.callers import SignedInClient
from ..plumbing import create_app


def refunds_app() -> Quart:
    """The plumbing with a route needing refunds:read that names its caller."""
    app = create_app({"TESTING": True})
    routes = Blueprint("_refunds", __name__)

    @routes.get("/refunds")
    @requires("refunds:read")
    async def refunds() -> dict[str, object]:
        caller = current_caller()
        assert caller is not None
        return {"subject": caller.subject, "scopes": sorted(caller.scopes)}

    app.register_blueprint(routes)
    return app


async def test_a_signed_in_client_sends_its_token_with_every_request(
    token: Callable[..., str],
) -> None:
    """Each request of the client carries its token: the view sees the subject and scopes."""
    client = SignedInClient(refunds_app(), f"Bearer {token('refunds:read', subject='ann')}")
    for _ in range(2):
        response = await client.get("/refunds")
        assert await response.get_json() == {"subject": "ann", "scopes": ["refunds:read"]}


async def test_an_authorization_sent_by_the_test_wins(token: Callable[..., str]) -> None:
    """A request that sends its own Authorization (none valid, here) is sent as written."""
    client = SignedInClient(refunds_app(), f"Bearer {token('refunds:read')}")
    response = await client.get("/refunds", headers={"Authorization": "Bearer forged.token.here"})
    assert response.status_code == 401


async def test_signed_in_gives_clients_of_the_app_fixture(
    signed_in: Callable[..., SignedInClient], app: Quart
) -> None:
    """signed_in() makes clients of the `app` fixture, one token each."""
    ann, bob = signed_in("a:read", subject="ann"), signed_in(subject="bob")
    assert ann.app is app
    assert bob.app is app
    assert ann.authorization != bob.authorization


async def test_bearer_is_the_header_of_a_token_the_app_accepts(
    bearer: Callable[..., dict[str, str]],
) -> None:
    """bearer("refunds:read") opens the route; bearer() without the scope gets 403."""
    client = refunds_app().test_client()
    assert (await client.get("/refunds", headers=bearer("refunds:read"))).status_code == 200
    assert (await client.get("/refunds", headers=bearer())).status_code == 403
