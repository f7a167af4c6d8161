"""Bearer tokens as RFC 6750 answers them: 401 without one or for a bad one, 403 without a scope."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping

import pytest
from joserfc.jwk import RSAKey
from quart import Blueprint, Quart
from quart.typing import TestClientProtocol as Client

from ...callers.auth import current_caller, required_caller
from ...http.access import public, requires
from ...identity import SERVICE
from ...observability import logs
from ...testing.key_server import KeyServer
from ..plumbing import create_app

CHALLENGE = f'Bearer realm="{SERVICE}"'


def guarded_routes() -> Blueprint:
    """A route for each kind of rule, each saying who called it."""
    blueprint = Blueprint("_guarded", __name__)

    def who() -> dict[str, object]:
        caller = current_caller()
        if caller is None:
            return {"subject": None}
        return {"subject": caller.subject, "scopes": sorted(caller.scopes)}

    @blueprint.get("/refunds")
    @requires("refunds:read")
    async def read() -> dict[str, object]:
        return who()

    @blueprint.post("/refunds")
    @requires("refunds:read", "refunds:write")
    async def write() -> dict[str, object]:
        return who()

    @blueprint.get("/signed-in")
    @requires()
    async def signed_in() -> dict[str, object]:
        return who()

    @blueprint.get("/open")
    @public
    async def open_to_all() -> dict[str, object]:
        return who()

    @blueprint.get("/me")
    @requires()
    async def me() -> dict[str, object]:
        return {"subject": required_caller().subject}

    @blueprint.get("/open/me")
    @public
    async def me_in_the_open() -> dict[str, object]:
        return {"subject": required_caller().subject}

    return blueprint


def guarded_app(**settings: object) -> Quart:
    """The plumbing with the guarded routes, in test mode."""
    app = create_app({"TESTING": True, **settings})
    app.register_blueprint(guarded_routes())
    return app


@pytest.fixture
async def provider_app(key_server: KeyServer) -> AsyncIterator[Quart]:
    """The guarded app set up as in production: its keys from the stand-in provider."""
    app = guarded_app(**key_server.settings())
    async with app.test_app():
        yield app


@pytest.fixture
def client(provider_app: Quart) -> Client:
    """A client of provider_app."""
    return provider_app.test_client()


def bearer(token: str) -> dict[str, str]:
    """The Authorization header carrying `token`."""
    return {"Authorization": f"Bearer {token}"}


def encoded(part: Mapping[str, object]) -> str:
    """A JOSE header or claims set, base64url-encoded without padding."""
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def claims(server: KeyServer, **changes: object) -> dict[str, object]:
    """A valid claims set, with `changes`."""
    now = int(time.time())
    valid = {"iss": server.issuer, "aud": server.audience, "sub": "mallory", "exp": now + 300}
    return {**valid, "scope": "refunds:read", **changes}


def unsigned(server: KeyServer) -> str:
    """`alg: none`: a token that claims to need no signature."""
    header = {"alg": "none", "kid": server.keys[0].kid}
    return f"{encoded(header)}.{encoded(claims(server))}."


def confused(server: KeyServer) -> str:
    """HS256 signed with the provider's public key as the secret: the classic confusion attack."""
    secret = server.keys[0].as_pem(private=False)
    signing_input = (
        f"{encoded({'alg': 'HS256', 'kid': server.keys[0].kid})}.{encoded(claims(server))}"
    )
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def forged(server: KeyServer) -> str:
    """Signed by another key that claims the provider's key id."""
    impostor = RSAKey.generate_key(2048, parameters={"kid": str(server.keys[0].kid)})
    return server.mint("refunds:read", key=impostor)


def unknown_key(server: KeyServer) -> str:
    """Signed by a key the provider never published."""
    stranger = RSAKey.generate_key(2048, parameters={"kid": "stranger"})
    return server.mint("refunds:read", key=stranger)


def tampered(server: KeyServer) -> str:
    """A valid token whose claims were changed after signing."""
    header, _, signature = server.mint("refunds:read").split(".")
    return f"{header}.{encoded(claims(server, scope='refunds:read refunds:write'))}.{signature}"


NOW = int(time.time())
# Each token the provider's keys must refuse, and the reason the client is given.
REFUSED: dict[str, tuple[Callable[[KeyServer], str], str]] = {
    "malformed": (lambda _: "not-a-token", "not a signed JWT"),
    "three parts of nothing": (lambda _: "a.b.c", "not a signed JWT"),
    "encrypted (JWE)": (lambda _: "a.b.c.d.e", "not a signed JWT"),
    "expired": (lambda s: s.mint("refunds:read", exp=int(time.time()) - 120), "expired (exp)"),
    "no exp": (lambda s: s.mint("refunds:read", exp=None), "no exp claim"),
    "not yet valid": (lambda s: s.mint("refunds:read", nbf=int(time.time()) + 120), "(nbf)"),
    "issued in the future": (lambda s: s.mint("refunds:read", iat=int(time.time()) + 120), "(iat)"),
    "wrong issuer": (lambda s: s.mint("refunds:read", iss="https://evil.test"), "issuer (iss)"),
    "wrong audience": (lambda s: s.mint("refunds:read", aud="another-service"), "(aud)"),
    "no subject": (lambda s: s.mint("refunds:read", sub=None), "no sub claim"),
    "alg none": (unsigned, "algorithm (alg)"),
    "HS256 with the public key": (confused, "algorithm (alg)"),
    "forged signature": (forged, "signature does not verify"),
    "tampered claims": (tampered, "signature does not verify"),
    "unknown key id": (unknown_key, "key id (kid)"),
}


async def test_no_token_is_a_401_with_a_bearer_challenge(client: Client) -> None:
    """Without a token: 401, `WWW-Authenticate: Bearer` and no error code (RFC 6750, 3.1)."""
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "}):
        response = await client.get("/refunds", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == CHALLENGE
        assert response.mimetype == "application/problem+json"
        body = await response.get_json()
        assert body["title"] == "Unauthorized"
        assert "bearer token" in body["detail"]


@pytest.mark.parametrize("name", list(REFUSED))
async def test_a_bad_token_is_a_401_invalid_token(
    client: Client, key_server: KeyServer, name: str
) -> None:
    """Every kind of bad token: 401 with error="invalid_token" and the reason, never a 500."""
    make, reason = REFUSED[name]
    response = await client.get("/refunds", headers=bearer(make(key_server)))
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith(f'{CHALLENGE}, error="invalid_token", error_description="')
    body = await response.get_json()
    assert body["error"] == "invalid_token"
    assert reason in body["detail"]
    assert reason in challenge


async def test_a_token_inside_the_leeway_still_opens(client: Client, key_server: KeyServer) -> None:
    """Expired 10 s ago, within AUTH_LEEWAY's 30 s of clock skew: accepted."""
    token = key_server.mint("refunds:read", exp=int(time.time()) - 10)
    assert (await client.get("/refunds", headers=bearer(token))).status_code == 200


async def test_required_caller_is_the_token_s_behind_requires_and_a_500_in_the_open(
    client: Client, key_server: KeyServer
) -> None:
    """required_caller() gives the caller where a token is required; in a @public route, a 500."""
    token = key_server.mint(subject="alice")
    response = await client.get("/me", headers=bearer(token))
    assert await response.get_json() == {"subject": "alice"}
    assert (await client.get("/open/me", headers=bearer(token))).status_code == 500


async def test_a_valid_token_reaches_the_view_with_its_caller(
    client: Client, key_server: KeyServer
) -> None:
    """The view learns the token's subject and scopes from current_caller()."""
    token = key_server.mint("refunds:read", "other:thing", subject="alice")
    response = await client.get("/refunds", headers=bearer(token))
    assert response.status_code == 200
    assert await response.get_json() == {
        "subject": "alice",
        "scopes": ["other:thing", "refunds:read"],
    }


async def test_a_token_without_the_scope_is_a_403(client: Client, key_server: KeyServer) -> None:
    """A valid token lacking a scope: 403 with error="insufficient_scope" naming what is missing."""
    response = await client.post("/refunds", headers=bearer(key_server.mint("refunds:read")))
    assert response.status_code == 403
    assert response.headers["WWW-Authenticate"] == (
        f'{CHALLENGE}, error="insufficient_scope",'
        ' error_description="The token does not grant refunds:write.", scope="refunds:write"'
    )
    body = await response.get_json()
    assert (body["title"], body["error"]) == ("Forbidden", "insufficient_scope")


async def test_scopes_may_come_as_an_scp_list(client: Client, key_server: KeyServer) -> None:
    """Providers that send `scp` as a list (Okta, Entra ID) are understood too."""
    token = key_server.mint(scp=["refunds:read", "refunds:write"])
    assert (await client.post("/refunds", headers=bearer(token))).status_code == 200


async def test_requires_nothing_but_a_valid_token(client: Client, key_server: KeyServer) -> None:
    """@requires() with no scopes admits any valid token, and no request without one."""
    assert (await client.get("/signed-in")).status_code == 401
    response = await client.get("/signed-in", headers=bearer(key_server.mint()))
    assert (await response.get_json())["subject"] == "tester"


async def test_public_routes_ignore_tokens(client: Client) -> None:
    """A public route answers with no token and with a bad one, and knows no caller."""
    for headers in ({}, bearer("not-a-token")):
        response = await client.get("/open", headers=headers)
        assert response.status_code == 200
        assert await response.get_json() == {"subject": None}


async def test_the_log_line_names_the_caller_never_the_token(
    provider_app: Quart, key_server: KeyServer
) -> None:
    """The request's line has the subject and scopes; no part of the token is written anywhere."""
    stream = io.StringIO()
    provider_app.config["LOG_FORMAT"] = "json"
    logs.init_app(provider_app, stream)
    token = key_server.mint("refunds:read", subject="alice")
    await provider_app.test_client().get("/refunds", headers=bearer(token))
    lines = [json.loads(text) for text in stream.getvalue().splitlines()]
    (line,) = [line for line in lines if line["event"] == "request"]
    assert (line["subject"], line["scopes"], line["status"]) == ("alice", ["refunds:read"], 200)
    for part in token.split("."):
        assert part not in stream.getvalue()


def test_a_key_set_url_needs_its_issuer_and_audience(key_server: KeyServer) -> None:
    """AUTH_JWKS_URL without AUTH_ISSUER or AUTH_AUDIENCE stops the start, naming both."""
    with pytest.raises(SystemExit) as stopped:
        create_app({"AUTH_JWKS_URL": key_server.url, "AUTH_ISSUER": key_server.issuer})
    assert "AUTH_ISSUER and AUTH_AUDIENCE must be" in str(stopped.value.code)


@pytest.mark.parametrize("algorithms", [["HS256"], ["none"], ["RS256", "HS512"], []])
def test_only_asymmetric_algorithms_can_be_accepted(algorithms: list[str]) -> None:
    """AUTH_ALGORITHMS refuses shared-secret algorithms and `none`, at start-up."""
    with pytest.raises(SystemExit) as stopped:
        create_app({"AUTH_ALGORITHMS": algorithms})
    assert "AUTH_ALGORITHMS accepts asymmetric algorithms only" in str(stopped.value.code)


async def test_an_algorithm_left_out_of_the_settings_is_refused(key_server: KeyServer) -> None:
    """With AUTH_ALGORITHMS [ES256], the provider's RS256 tokens no longer open."""
    app = guarded_app(**key_server.settings(), AUTH_ALGORITHMS=["ES256"])
    async with app.test_app():
        response = await app.test_client().get(
            "/refunds", headers=bearer(key_server.mint("refunds:read"))
        )
    assert response.status_code == 401
    assert "algorithm (alg)" in (await response.get_json())["detail"]


async def test_the_development_key_signs_what_the_token_fixture_mints(
    bearer: Callable[..., dict[str, str]],
) -> None:
    """With no AUTH_JWKS_URL, in test mode, tokens from the `bearer` fixture open the routes."""
    client = guarded_app().test_client()
    response = await client.get("/refunds", headers=bearer("refunds:read", subject="dev"))
    assert await response.get_json() == {"subject": "dev", "scopes": ["refunds:read"]}
    assert (await client.get("/refunds", headers=bearer())).status_code == 403
