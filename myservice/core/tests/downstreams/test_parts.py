"""The parts of a DOWNSTREAMS entry: auth, tls and breaker, each checked, defaults filled in."""

from __future__ import annotations

import pytest

from ...downstreams.parts import GRANT_DEFAULTS, auth_part, breaker_part, tls_part

GRANT = {"token_url": "https://id.internal/token", "client_id": "a", "client_secret": "b"}


def test_each_part_gets_its_defaults() -> None:
    """A grant's scope and audience are optional, its secret goes in Basic; 5 failures, 10 s."""
    assert auth_part("billing", GRANT) == {**GRANT, **GRANT_DEFAULTS}
    assert GRANT_DEFAULTS == {"scope": None, "audience": None, "secret_in": "header", "cooldown": 5}
    assert tls_part("billing", {"ca_path": "ca.pem"}) == {
        "ca_path": "ca.pem",
        "cert_path": None,
        "key_path": None,
    }
    assert breaker_part("billing", {}) == {"failures": 5, "cool_off": 10}


def test_forward_null_and_a_token_url_to_this_machine_are_accepted() -> None:
    """auth: forward or null; a token endpoint over plain http on loopback, as in development."""
    assert auth_part("billing", "forward") == "forward"
    assert auth_part("billing", None) is None
    assert breaker_part("billing", None) is None
    grant = {**GRANT, "token_url": "http://127.0.0.1:5000/development/token"}
    assert auth_part("billing", grant) == {**grant, **GRANT_DEFAULTS}


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        ("mine", "billing: auth must be forward, null, or a mapping"),
        ({"client_id": "a"}, "billing: auth needs its token_url, a string"),
        ({**GRANT, "client_secret": ""}, "billing: auth needs its client_secret, a string"),
        ({**GRANT, "scopes": "a"}, "billing auth has scopes; known: token_url, client_id,"),
        (
            {**GRANT, "token_url": "http://id.internal/t"},
            "billing: auth token_url must be an https",
        ),
        ({**GRANT, "scope": ["a"]}, "billing: auth scope must be a string, or null"),
        ({**GRANT, "secret_in": "url"}, "billing: auth secret_in must be header or body"),
        ({**GRANT, "cooldown": 0}, "billing: auth cooldown must be seconds, more than 0"),
    ],
)
def test_a_mistake_in_auth_is_named(auth: object, message: str) -> None:
    """Each says which downstream, which field, and what is wanted."""
    with pytest.raises(ValueError, match="^" + message):
        auth_part("billing", auth)


@pytest.mark.parametrize(
    ("part", "value", "message"),
    [
        (tls_part, {"key_path": "k.pem"}, "billing: tls key_path needs the cert_path"),
        (tls_part, {"ca": "c"}, "billing tls has ca; known: ca_path, cert_path, key_path"),
        (tls_part, {"ca_path": 3}, "billing: tls ca_path must be the path of a file, or null"),
        (tls_part, "ca.pem", "billing: tls must be a mapping"),
        (breaker_part, {"failures": 0}, "billing: breaker failures must be a whole number"),
        (breaker_part, {"cool_off": -1}, "billing: breaker cool_off must be seconds"),
        (breaker_part, 5, "billing: breaker must be a mapping"),
    ],
)
def test_a_mistake_in_tls_or_breaker_is_named(part: object, value: object, message: str) -> None:
    """Each says which downstream, which field, and what is wanted."""
    with pytest.raises(ValueError, match="^" + message):
        part("billing", value)  # type: ignore[operator]
