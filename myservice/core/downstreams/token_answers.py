"""What a token endpoint answered: the access token and how long it lives, or why it is none.

An answer is RFC 6749 section 5.1's JSON: `access_token`, `token_type` Bearer, `expires_in`
in seconds (a number, or a string of one, as some providers send). Without `expires_in` the
token's own `exp` says, for a JWT, read and not verified (the downstream verifies it); else it
is kept UNSAID_LIFETIME seconds, and a 401 asks for a new one sooner.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import time
from dataclasses import dataclass

# RFC 6750's b64token: what a bearer token may hold, so that none can break the header.
BEARER_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*\Z")
# Seconds a token is kept when neither expires_in nor the token itself says.
UNSAID_LIFETIME = 300
# A token is renewed once this share of its lifetime has passed, used until RENEW_BY before
# its end (or a tenth of its lifetime, if less), and never after.
RENEW_FROM = 0.75
RENEW_BY = 30.0
ERROR_CODE = re.compile(r"[a-z_]{1,40}")
# What a hostile answer can make the parsers raise besides ValueError: nesting too deep for
# json, numbers too large for a float.
HOSTILE = (ValueError, RecursionError, OverflowError)


@dataclass(frozen=True)
class HeldToken:
    """A token, when it came, when to renew it, and when to stop using it (loop time)."""

    authorization: str
    fetched_at: float
    renew_at: float
    expires_at: float

    @classmethod
    def of(cls, token: str, lifetime: float, fetched_at: float) -> HeldToken:
        """`token`, living `lifetime` seconds from `fetched_at`, renewed and dropped early."""
        return cls(
            f"Bearer {token}",
            fetched_at=fetched_at,
            renew_at=fetched_at + lifetime * RENEW_FROM,
            expires_at=fetched_at + lifetime - min(RENEW_BY, lifetime / 10),
        )


class NotAToken(ValueError):  # noqa: N818 (what the answer is: not a token)
    """The answer holds no token this service can send; the message says why."""


def token_in(body: bytes) -> tuple[str, float]:
    """The access token of a 200 answer, and its lifetime in seconds; NotAToken otherwise."""
    try:
        document = json.loads(body)
    except HOSTILE:
        raise NotAToken("the token endpoint answered with a body that is not JSON") from None
    token = document.get("access_token") if isinstance(document, dict) else None
    if not isinstance(token, str) or not BEARER_TOKEN.match(token):
        raise NotAToken("the token endpoint's answer holds no access_token")
    kind = document.get("token_type", "Bearer")
    if not isinstance(kind, str) or kind.lower() != "bearer":
        raise NotAToken("the token endpoint's token is not a bearer token")
    lifetime = _lifetime(document.get("expires_in"), token)
    if lifetime is None:
        raise NotAToken("the token endpoint's expires_in is not a number of seconds")
    return token, lifetime


def _lifetime(expires_in: object, token: str) -> float | None:
    """Seconds the token lives: expires_in, else the token's own exp, else UNSAID_LIFETIME.

    None when expires_in is there and is not a positive number (some providers send a string).
    """
    if expires_in is None:
        return _lifetime_in_claims(token) or UNSAID_LIFETIME
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float | str):
        return None
    try:
        seconds = float(expires_in)
    except HOSTILE:
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def _lifetime_in_claims(token: str) -> float | None:
    """What is left of a JWT's life by its `exp` claim, read but not verified.

    The downstream verifies the token; this only says when to renew it.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        lifetime = float(claims["exp"]) - time.time()
    except (*HOSTILE, binascii.Error, TypeError, KeyError):
        return None
    return lifetime if math.isfinite(lifetime) and lifetime > 0 else None


def error_code(body: bytes) -> str:
    """` (invalid_client)`: the RFC 6749 error code of a refusal, if it has a sane one."""
    try:
        code = json.loads(body).get("error")
    except (*HOSTILE, AttributeError):
        return ""
    return f" ({code})" if isinstance(code, str) and ERROR_CODE.fullmatch(code) else ""
