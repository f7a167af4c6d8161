"""Bearer tokens: signed JWTs (RFC 7519, RFC 9068), checked with joserfc against a key set.

joserfc does the cryptography and the claim checks; this module pins what the service accepts.
Only the asymmetric algorithms in AUTH_ALGORITHMS verify, so neither `alg: none` nor an HS256
token signed with a public key can pass; the issuer, the audience and `exp` are required; `nbf`
and `iat` are honoured; AUTH_LEEWAY seconds of clock skew are allowed. A key id the set does not
know asks the key source once for a newer set, for key rotation.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from typing import Any, Protocol

from joserfc import errors, jwt
from joserfc.jwk import KeySet

from ..http.caller import Caller
from ..identity import SERVICE
from .verified_tokens import VerifiedTokens

# The service's logger, app.logger's name.
LOGGER = logging.getLogger(SERVICE)
# Seconds between two warnings of one kind of token the library trips on.
WARN_EVERY = 60.0
# Longer than any token an identity provider issues; a longer header is refused unread.
LONGEST_TOKEN = 8192


class TokenRejected(Exception):  # noqa: N818 (what the client is told: rejected)
    """The token does not open this service; the message says why, fit for the client."""


class KeysUnavailable(Exception):  # noqa: N818 (what the client is told: unavailable)
    """No key set has loaded yet, so no token can be checked: the client should try again."""


class KeySource(Protocol):
    """Where the keys come from: an identity provider's JWKS, or the development key."""

    async def current(self) -> KeySet:
        """The keys to verify with now; KeysUnavailable when there are none yet."""

    async def after_unknown_key(self) -> KeySet:
        """The keys after a token named a key id they lack: newer ones, if the source has them."""


class TokenVerifier:
    """Checks tokens against the keys of `source` and the issuer, audience and algorithms pinned."""

    def __init__(
        self,
        source: KeySource,
        issuer: str,
        audience: str,
        accepted: list[str],
        leeway: int,
    ) -> None:
        """Accept tokens from `issuer` for `audience`, signed with one of `accepted`."""
        self.source = source
        self.issuer = issuer
        self.audience = audience
        self._accepted = accepted
        self._claims = jwt.JWTClaimsRegistry(
            leeway=leeway,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
        )
        self._verified = VerifiedTokens()
        self._warned_at: dict[str, float] = {}

    async def verify(self, token: str) -> Caller:
        """The caller `token` speaks for; TokenRejected or KeysUnavailable otherwise."""
        if len(token) > LONGEST_TOKEN or token.count(".") != 2:
            raise TokenRejected("The token is not a signed JWT.")
        caller = self._verified.get(token)
        if caller is None:
            caller = await self._check(token)
            self._verified.keep(token, caller)
        return caller

    async def _check(self, token: str) -> Caller:
        keys = await self.source.current()
        try:
            try:
                decoded = jwt.decode(token, keys, algorithms=self._accepted)
            except errors.InvalidKeyIdError:
                decoded = jwt.decode(
                    token, await self.source.after_unknown_key(), algorithms=self._accepted
                )
            self._claims.validate(decoded.claims)
        except errors.JoseError as error:
            raise TokenRejected(_reason(error)) from None
        except ValueError:  # a header or payload that is not JSON, or not an object
            raise TokenRejected("The token is not a signed JWT.") from None
        except KeysUnavailable:
            raise
        except Exception as error:
            # joserfc raises TypeError for some headers (`"crit": [1]`); whatever it raises, the
            # client sent a token that is not one, and hears so.
            self._warn(type(error).__name__)
            raise TokenRejected("The token is not a signed JWT.") from None
        return _caller(decoded.claims)

    def _warn(self, kind: str) -> None:
        """Log, without the token, that one made the library raise `kind`: once a minute."""
        now = time.monotonic()
        if now - self._warned_at.get(kind, -math.inf) >= WARN_EVERY:
            self._warned_at[kind] = now
            LOGGER.warning("a token made the token library raise %s; it was refused (401)", kind)


def _caller(claims: Mapping[str, Any]) -> Caller:
    # joserfc has checked `sub`: a string, not empty.
    return Caller(claims["sub"], _scopes(claims), claims)


def _scopes(claims: Mapping[str, Any]) -> frozenset[str]:
    """RFC 9068's space-separated `scope`, or the `scp` list some providers send instead."""
    granted = claims.get("scope", claims.get("scp", ""))
    if isinstance(granted, str):
        return frozenset(granted.split())
    if isinstance(granted, list) and all(isinstance(scope, str) for scope in granted):
        return frozenset(granted)
    raise TokenRejected("The token's scope claim is neither a string nor a list of strings.")


CLAIM_REASONS = {
    "iss": "The token's issuer (iss) is not the one this service trusts.",
    "aud": "The token is not meant for this service (aud).",
    "nbf": "The token is not valid yet (nbf).",
    "iat": "The token says it was issued in the future (iat).",
}


ERROR_REASONS: tuple[
    tuple[type[errors.JoseError] | tuple[type[errors.JoseError], ...], str], ...
] = (
    (errors.ExpiredTokenError, "The token has expired (exp)."),
    (
        (errors.UnsupportedAlgorithmError, errors.MissingAlgorithmError),
        "The token's algorithm (alg) is not one this service accepts.",
    ),
    (errors.InvalidKeyIdError, "The token's key id (kid) is not in the issuer's key set."),
    (
        (errors.BadSignatureError, errors.InvalidKeyTypeError),
        "The token's signature does not verify.",
    ),
)


def _reason(error: errors.JoseError) -> str:
    """What is wrong with the token, in words fit for the client (no key material)."""
    if isinstance(error, errors.MissingClaimError):
        return f"The token has no {error.claim} claim."
    if isinstance(error, errors.ClaimError) and not isinstance(error, errors.ExpiredTokenError):
        # A time claim that is not a number is invalid, not early.
        early = "NumericDate" not in error.description
        reason = CLAIM_REASONS.get(error.claim) if early else None
        return reason or f"The token's {error.claim} claim is not valid."
    for kinds, reason in ERROR_REASONS:
        if isinstance(error, kinds):
            return reason
    return "The token is not a signed JWT."
