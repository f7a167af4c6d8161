"""The stand-in identity provider: its JWKS over real HTTP, its failures, and the tokens it mints."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from email.message import Message

import pytest
from joserfc import errors, jwt
from joserfc.jwk import KeySet

from ...identity import SERVICE
from ...testing.key_server import KeyServer


def get(url: str) -> tuple[int, Message, bytes]:
    """GET `url`: the status, the headers and the body, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (a test's URL)
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def fetched(server: KeyServer) -> KeySet:
    """The key set at the server's URL, read as a client reads it."""
    status, headers, body = get(server.url)
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    return KeySet.import_key_set(json.loads(body))


def test_it_serves_its_public_keys_and_counts_fetches(key_server: KeyServer) -> None:
    """GET on the URL answers the key set, public halves only; every GET is counted."""
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/jwks\.json", key_server.url)
    (served,) = json.loads(get(key_server.url)[2])["keys"]
    assert (served["kty"], served["use"], served["kid"]) == ("RSA", "sig", key_server.keys[0].kid)
    assert "d" not in served  # the private exponent stays home
    assert json.loads(key_server.document()) == {"keys": [served]}
    assert fetched(key_server).keys[0].kid == key_server.keys[0].kid
    assert get(key_server.url.replace("jwks.json", "other"))[0] == 404
    assert key_server.fetches == 3


@pytest.mark.parametrize("status", [500, 503, 404])
def test_status_makes_it_fail(key_server: KeyServer, status: int) -> None:
    """With `status` set, every fetch gets that status and no key set, and is still counted."""
    key_server.status = status
    answered, _, body = get(key_server.url)
    assert (answered, body) == (status, b"")
    key_server.status = 200
    assert get(key_server.url)[0] == 200
    assert key_server.fetches == 2


def test_rotation_withdraws_the_old_key(key_server: KeyServer) -> None:
    """After rotate(), the set served has only the new key: old tokens no longer verify."""
    old_kid, old_token = key_server.keys[0].kid, key_server.mint("refunds:read")
    new = key_server.rotate()
    keys = fetched(key_server)
    assert [key.kid for key in keys.keys] == [new.kid]
    assert new.kid != old_kid
    assert jwt.decode(key_server.mint("refunds:read"), keys).claims["scope"] == "refunds:read"
    with pytest.raises(errors.InvalidKeyIdError):
        jwt.decode(old_token, keys)


def test_a_token_is_what_a_provider_issues(key_server: KeyServer) -> None:
    """mint() signs RS256 with the key id, for the issuer and audience, with the scopes."""
    token = jwt.decode(key_server.mint("refunds:read", "refunds:write"), fetched(key_server))
    assert token.header == {"alg": "RS256", "kid": key_server.keys[0].kid, "typ": "at+jwt"}
    claims = token.claims
    assert (claims["iss"], claims["aud"], claims["sub"]) == (
        "https://identity.test",
        SERVICE,
        "tester",
    )
    assert claims["scope"] == "refunds:read refunds:write"
    assert claims["exp"] - claims["iat"] == 300


def test_mint_replaces_adds_and_drops_claims(key_server: KeyServer) -> None:
    """Keywords set the subject and lifetime and add claims; a claim given as None is left out."""
    token = key_server.mint(subject="alice", lifetime=60, tenant="acme", aud=None, iat=None)
    claims = jwt.decode(token, fetched(key_server)).claims
    assert set(claims) == {"iss", "sub", "exp", "tenant"}  # and no scope: none was asked for
    assert (claims["sub"], claims["tenant"]) == ("alice", "acme")


def test_settings_point_a_service_at_it() -> None:
    """settings() gives AUTH_JWKS_URL, AUTH_ISSUER and the audience its tokens are for."""
    server = KeyServer(audience="billing")
    try:
        assert server.settings() == {
            "AUTH_JWKS_URL": server.url,
            "AUTH_ISSUER": "https://identity.test",
            "AUTH_AUDIENCE": "billing",
        }
        assert jwt.decode(server.mint(), fetched(server)).claims["aud"] == "billing"
    finally:
        server.stop()


def test_stop_closes_the_port_and_start_reopens_it(key_server: KeyServer) -> None:
    """After stop(), fetches are refused; start() listens again at the same URL."""
    url = key_server.url
    key_server.stop()
    with pytest.raises(urllib.error.URLError, match="Connection refused"):
        get(url)
    key_server.start()
    assert key_server.url == url
    assert fetched(key_server).keys[0].kid == key_server.keys[0].kid
    assert key_server.fetches == 1
