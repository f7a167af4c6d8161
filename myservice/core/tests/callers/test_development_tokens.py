"""POST /development/token: development-key tokens by client credentials, on this machine only."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from quart import Quart, Response

from ...callers.development_tokens import PATH
from ...testing.key_server import KeyServer
from ..plumbing import create_app, create_app_with_views

PROTECTED = {
    "secret": """
        from quart import Blueprint

        from {SERVICE}.core import required_caller, requires

        blueprint = Blueprint("secret", __name__)


        @blueprint.get("/secret")
        @requires("secret:read")
        async def secret() -> dict[str, str]:
            return {"caller": required_caller().subject}
    """
}
FORM = {"grant_type": "client_credentials", "scope": "secret:read"}


def basic(client_id: str) -> dict[str, str]:
    """Basic credentials of a client, with any secret."""
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:any".encode()).decode()}


async def ask(
    app: Quart, form: dict[str, str], headers: dict[str, str], peer: str = "127.0.0.1"
) -> Response:
    """POST the form to the endpoint from `peer`, as a server on a socket would say."""
    client = app.test_client()
    return await client.post(PATH, form=form, headers=headers, scope_base={"client": (peer, 4711)})


async def test_a_token_it_grants_opens_its_protected_routes(tmp_path: Path) -> None:
    """The client's id is the token's subject; the scopes are those asked."""
    app = create_app_with_views(
        tmp_path, PROTECTED, {"TESTING": True, "AUTH_DEVELOPMENT_KEY": True}
    )
    async with app.test_app():
        client = app.test_client()
        granted = await ask(app, FORM, basic("orders"))
        assert granted.status_code == 200
        answer = await granted.get_json()
        assert (answer["token_type"], answer["expires_in"], answer["scope"]) == (
            "Bearer",
            3600,
            "secret:read",
        )
        bearer = {"Authorization": f"Bearer {answer['access_token']}"}
        opened = await client.get("/secret", headers=bearer)
    assert opened.status_code == 200
    assert await opened.get_json() == {"caller": "orders"}


@pytest.mark.parametrize(
    ("form", "headers", "status", "error"),
    [
        ({"grant_type": "password"}, basic("orders"), 400, "unsupported_grant_type"),
        (FORM, {}, 401, "invalid_client"),
        (FORM, {"Authorization": "Basic !!!"}, 401, "invalid_client"),
    ],
)
async def test_a_request_it_cannot_grant_is_refused_as_rfc_6749_says(
    form: dict[str, str], headers: dict[str, str], status: int, error: str
) -> None:
    """Another grant, or no client named: the status and error code of RFC 6749 section 5.2."""
    app = create_app({"TESTING": True, "AUTH_DEVELOPMENT_KEY": True})
    async with app.test_app():
        response = await ask(app, form, headers)
    assert response.status_code == status
    assert (await response.get_json())["error"] == error


@pytest.mark.parametrize(
    ("peer", "headers"),
    [
        ("198.51.100.7", {}),
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}),
        ("127.0.0.1", {"Forwarded": "for=203.0.113.9"}),
        ("127.0.0.1", {"X-Real-IP": "203.0.113.9"}),
        ("127.0.0.1", {"Host": "rebound.example.com:5000"}),
    ],
)
async def test_a_request_not_made_straight_from_this_machine_gets_no_token(
    peer: str, headers: dict[str, str]
) -> None:
    """Another machine's address, a proxy's or tunnel's relay, a name rebound here: 403."""
    app = create_app(
        {"TESTING": True, "AUTH_DEVELOPMENT_KEY": True, "TRUSTED_PROXIES": ["127.0.0.1"]}
    )
    async with app.test_app():
        response = await ask(app, FORM, {**basic("orders"), **headers}, peer=peer)
    assert response.status_code == 403
    assert (await response.get_json())["error"] == "unauthorized_client"


@pytest.mark.parametrize("with_provider", [False, True])
async def test_there_is_no_such_endpoint_unless_the_development_key_is_allowed(
    with_provider: bool, key_server: KeyServer
) -> None:
    """Without AUTH_DEVELOPMENT_KEY, or with an identity provider: 404 (405 at most), no token."""
    settings: dict[str, object] = {"TESTING": True, "AUTH_DEVELOPMENT_KEY": with_provider}
    if with_provider:
        settings |= key_server.settings()
    app: Quart = create_app(settings)
    async with app.test_app():
        response = await ask(app, FORM, basic("orders"))
    assert response.status_code in {404, 405}
    assert not any(rule.rule == PATH for rule in app.url_map.iter_rules())


async def test_it_is_not_in_the_openapi_document() -> None:
    """A development aid, not part of the service's contract."""
    app = create_app({"TESTING": True, "AUTH_DEVELOPMENT_KEY": True})
    async with app.test_app():
        document = await (await app.test_client().get("/openapi.json")).get_json()
    assert PATH not in document["paths"]
