"""What a token endpoint answered: a token and its lifetime, or why it is none."""

from __future__ import annotations

import base64
import json
import time

import pytest

from ...downstreams.token_answers import UNSAID_LIFETIME, HeldToken, NotAToken, error_code, token_in


def answer(fields: dict[str, object]) -> bytes:
    """A token endpoint's JSON answer."""
    return json.dumps(fields).encode()


def jwt_living(seconds: int) -> str:
    """An unsigned JWT whose exp is `seconds` from now: only its claims are read here."""
    claims = json.dumps({"exp": int(time.time()) + seconds}).encode()
    return "e30." + base64.urlsafe_b64encode(claims).decode().rstrip("=") + ".c2ln"


@pytest.mark.parametrize(("expires_in", "lifetime"), [(3600, 3600.0), ("3599", 3599.0)])
def test_expires_in_says_how_long_a_token_lives(expires_in: object, lifetime: float) -> None:
    """A number, or a string of one as some providers send."""
    assert token_in(
        answer({"access_token": "abc", "token_type": "bearer", "expires_in": expires_in})
    ) == (
        "abc",
        lifetime,
    )


def test_without_expires_in_the_tokens_exp_says_else_a_default() -> None:
    """A JWT's exp, read and not verified; an opaque token lives UNSAID_LIFETIME."""
    _, lifetime = token_in(answer({"access_token": jwt_living(600)}))
    assert 590 < lifetime <= 600
    assert token_in(answer({"access_token": "opaque"})) == ("opaque", UNSAID_LIFETIME)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>", "the token endpoint answered with a body that is not JSON"),
        (b"[" * 60000, "the token endpoint answered with a body that is not JSON"),
        (b"[]", "the token endpoint's answer holds no access_token"),
        (answer({"access_token": "a b"}), "the token endpoint's answer holds no access_token"),
        (
            answer({"access_token": "a\r\nX-Evil: 1"}),
            "the token endpoint's answer holds no access_token",
        ),
        (
            answer({"access_token": "a", "token_type": "mac"}),
            "the token endpoint's token is not a bearer",
        ),
        (
            answer({"access_token": "a", "expires_in": True}),
            "the token endpoint's expires_in is not a",
        ),
        (
            answer({"access_token": "a", "expires_in": -5}),
            "the token endpoint's expires_in is not a",
        ),
        (
            answer({"access_token": "a", "expires_in": "NaN"}),
            "the token endpoint's expires_in is not a",
        ),
    ],
)
def test_an_answer_that_holds_no_usable_token_says_why(body: bytes, reason: str) -> None:
    """Nothing that could break the Authorization header, or be kept forever, is taken."""
    with pytest.raises(NotAToken, match="^" + reason):
        token_in(body)


def test_only_a_sane_error_code_is_repeated() -> None:
    """RFC 6749's code of a refusal goes in the detail; any other text of the provider does not."""
    assert error_code(answer({"error": "invalid_client"})) == " (invalid_client)"
    assert error_code(answer({"error": "<script>alert(1)</script>"})) == ""
    assert error_code(b"not json") == ""
    assert error_code(b"[" * 60000) == ""


@pytest.mark.parametrize(("lifetime", "renew", "usable"), [(300, 225, 270), (3600, 2700, 3570)])
def test_a_token_is_renewed_at_three_quarters_and_dropped_before_its_end(
    lifetime: float, renew: float, usable: float
) -> None:
    """Renewed from 75% of its life; never sent in its last tenth, 30 s at most."""
    held = HeldToken.of("abc", lifetime, fetched_at=1000.0)
    assert held.authorization == "Bearer abc"
    assert (held.renew_at, held.expires_at) == (1000 + renew, 1000 + usable)
