"""Tokens verified lately are trusted again until their exp, for a minute at most, a bounded few."""

from __future__ import annotations

import time

from ...callers.verified_tokens import VerifiedTokens
from ...http.caller import Caller


def caller(subject: str, expires_in: float | None = 3600) -> Caller:
    """A verified caller whose token expires `expires_in` seconds from now (None: no exp)."""
    claims = {} if expires_in is None else {"exp": time.time() + expires_in}
    return Caller(subject, frozenset({"refunds:read"}), claims)


def test_a_verified_token_gives_its_caller_again() -> None:
    """The second request with the token gets the caller without a second check."""
    verified = VerifiedTokens()
    ann = caller("ann")
    verified.keep("token-a", ann)
    assert verified.get("token-a") is ann
    assert verified.get("token-b") is None


def test_a_token_past_its_exp_is_checked_again() -> None:
    """A token that expired since it was verified is no longer trusted from memory."""
    verified = VerifiedTokens()
    verified.keep("expired", caller("ann", expires_in=-1))
    assert verified.get("expired") is None


def test_trust_lasts_trust_seconds_at_most_however_long_the_token_lives() -> None:
    """With trust_seconds 0.05, a token valid for an hour is checked again 0.05 s later."""
    verified = VerifiedTokens(trust_seconds=0.05)
    verified.keep("long-lived", caller("ann"))
    assert verified.get("long-lived") is not None
    time.sleep(0.06)
    assert verified.get("long-lived") is None


def test_a_token_without_exp_is_trusted_for_trust_seconds() -> None:
    """No exp (a provider's choice): the bound still holds."""
    verified = VerifiedTokens(trust_seconds=0.05)
    verified.keep("no-exp", caller("ann", expires_in=None))
    assert verified.get("no-exp") is not None
    time.sleep(0.06)
    assert verified.get("no-exp") is None


def test_the_least_recently_used_goes_first_when_full() -> None:
    """With room for two, using a keeps it; c pushes out b, the one unused longest."""
    verified = VerifiedTokens(most=2)
    verified.keep("a", caller("ann"))
    verified.keep("b", caller("bob"))
    assert verified.get("a") is not None
    verified.keep("c", caller("cid"))
    assert verified.get("b") is None
    assert verified.get("a") is not None
    assert verified.get("c") is not None
