"""The stand-in provider's token endpoint grants client credentials as RFC 6749 says."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from ...testing.key_server import KeyServer
from ...testing.token_endpoint import CLIENT


def post(
    url: str, form: dict[str, str], basic: tuple[str, str] | None = None
) -> tuple[int, dict[str, object]]:
    """POST `form` to the endpoint, with Basic credentials if given: the status and the JSON."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if basic is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(":".join(basic).encode()).decode()
    sent = urllib.request.Request(url, urlencode(form).encode(), headers)  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(sent, timeout=5) as answer:  # noqa: S310  # nosec B310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_a_known_client_gets_a_token_for_what_it_asks(key_server: KeyServer) -> None:
    """Basic credentials: a bearer token of its provider, its subject the client, aud as asked."""
    form = {"grant_type": "client_credentials", "scope": "a:read b:write", "audience": "ledger"}
    status, answer = post(key_server.token_url, form, CLIENT)
    assert (status, answer["token_type"], answer["expires_in"]) == (200, "Bearer", 300)
    keys = KeySet.import_key_set({"keys": [key.as_dict(private=False) for key in key_server.keys]})
    claims = jwt.decode(str(answer["access_token"]), keys).claims
    assert (claims["sub"], claims["aud"], claims["scope"]) == (
        CLIENT[0],
        "ledger",
        "a:read b:write",
    )
    assert key_server.tokens.fetches == 1


@pytest.mark.parametrize(
    ("form", "basic", "status", "error"),
    [
        ({"grant_type": "client_credentials"}, (CLIENT[0], "wrong"), 401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": CLIENT[0]}, None, 401, "invalid_client"),
        ({"grant_type": "password"}, CLIENT, 400, "unsupported_grant_type"),
    ],
)
def test_a_request_it_cannot_grant_is_refused_with_its_error_code(
    key_server: KeyServer,
    form: dict[str, str],
    basic: tuple[str, str] | None,
    status: int,
    error: str,
) -> None:
    """A wrong or missing secret: 401 invalid_client; another grant: 400."""
    assert post(key_server.token_url, form, basic) == (status, {"error": error})


def test_the_secret_may_come_in_the_form(key_server: KeyServer) -> None:
    """client_secret_post: the id and secret in the form, no Basic."""
    form = {"grant_type": "client_credentials", "client_id": CLIENT[0], "client_secret": CLIENT[1]}
    assert post(key_server.token_url, form)[0] == 200
