"""The optional parts of a DOWNSTREAMS entry: its auth, its tls and its breaker, each checked.

auth: forward                       # the caller's own bearer token goes on
auth: {token_url: ..., client_id: ..., client_secret: ..., scope: ..., audience: ...}
tls: {ca_path: ..., cert_path: ..., key_path: ...}
breaker: {failures: 5, cool_off: 10}  # or null: no breaker
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from ..settings.setting import private_enough

FORWARD = "forward"
# Where the client secret goes: HTTP Basic (client_secret_basic), or the form (_post).
IN_HEADER, IN_BODY = "header", "body"
GRANT_DEFAULTS: dict[str, object] = {
    "scope": None,
    "audience": None,
    "secret_in": IN_HEADER,
    "cooldown": 5,
}
GRANT_REQUIRED = ("token_url", "client_id", "client_secret")
SECRET_PLACES = (IN_HEADER, IN_BODY)
TLS_FIELDS = ("ca_path", "cert_path", "key_path")
BREAKER_DEFAULTS: dict[str, object] = {"failures": 5, "cool_off": 10}


@dataclass(frozen=True)
class ClientCredentialsGrant:
    """How to get this service's own token for a downstream: RFC 6749's client credentials."""

    token_url: str
    client_id: str
    client_secret: str
    scope: str | None
    audience: str | None
    secret_in: str
    cooldown: float

    def __repr__(self) -> str:
        """Everything but the secret, should the grant ever reach a log."""
        return f"ClientCredentialsGrant({self.token_url!r}, client_id={self.client_id!r})"


@dataclass(frozen=True)
class Tls:
    """The internal CA to trust besides the system's, and the certificate for mutual TLS."""

    ca_path: str | None
    cert_path: str | None
    key_path: str | None


@dataclass(frozen=True)
class BreakerSettings:
    """Open after `failures` failed calls in a row; stay open `cool_off` seconds."""

    failures: int
    cool_off: float


def auth_part(name: str, auth: object) -> object:
    """No auth (null), `forward` (the caller's own token), or a client-credentials grant."""
    if auth is None or auth == FORWARD:
        return auth
    if not isinstance(auth, dict):
        raise ValueError(
            f"{name}: auth must be forward, null, or a mapping such as"
            " {token_url: https://identity.internal/token, client_id: ..., client_secret: ...}"
        )
    grant = filled_in(f"{name} auth", auth, GRANT_DEFAULTS, GRANT_REQUIRED)
    for field in GRANT_REQUIRED:
        if not isinstance(grant[field], str) or not grant[field]:  # None: not given
            raise ValueError(
                f"{name}: auth needs its {field}, a string (quote it if it looks like a number)"
            )
    if not private_enough(str(grant["token_url"])):
        raise ValueError(
            f"{name}: auth token_url must be an https URL (plain http to this machine only):"
            " the client secret goes with it"
        )
    for field in ("scope", "audience"):
        if grant[field] is not None and not isinstance(grant[field], str):
            raise ValueError(f"{name}: auth {field} must be a string, or null")
    if grant["secret_in"] not in SECRET_PLACES:
        raise ValueError(f"{name}: auth secret_in must be header or body")
    seconds(name, "auth cooldown", grant["cooldown"])
    return grant


def tls_part(name: str, tls: object) -> object:
    """No tls (null), or its files, each a path or null; a key file needs its certificate."""
    if tls is None:
        return None
    if not isinstance(tls, dict):
        raise ValueError(f"{name}: tls must be a mapping such as {{ca_path: /etc/ssl/ca.pem}}")
    files = filled_in(f"{name} tls", tls, dict.fromkeys(TLS_FIELDS), ())
    for field in TLS_FIELDS:
        if files[field] is not None and not (isinstance(files[field], str) and files[field]):
            raise ValueError(f"{name}: tls {field} must be the path of a file, or null")
    if files["key_path"] is not None and files["cert_path"] is None:
        raise ValueError(f"{name}: tls key_path needs the cert_path it is the key of")
    return files


def breaker_part(name: str, breaker: object) -> object:
    """No breaker (null), or its failures and cool_off over their defaults."""
    if breaker is None:
        return None
    if not isinstance(breaker, dict):
        raise ValueError(f"{name}: breaker must be a mapping such as {{failures: 5, cool_off: 10}}")
    filled = filled_in(f"{name} breaker", breaker, BREAKER_DEFAULTS, ())
    whole(name, "breaker failures", filled["failures"], 1)
    seconds(name, "breaker cool_off", filled["cool_off"])
    return filled


def filled_in(
    what: str,
    given: dict[object, object],
    defaults: Mapping[str, object],
    required: tuple[str, ...],
) -> dict[str, object]:
    """`given` over `defaults`, refusing a field that is neither a default nor required."""
    unknown = sorted(map(str, set(given) - {*required, *defaults}))
    if unknown:
        raise ValueError(
            f"{what} has {', '.join(unknown)}; known: {', '.join([*required, *defaults])}"
        )
    # Required fields first, as `make config` shows them; None where missing, for the checks.
    return {
        **dict.fromkeys(required),
        **defaults,
        **{str(key): item for key, item in given.items()},
    }


def seconds(name: str, field: str, value: object) -> None:
    """Refuse `value` unless it is a finite number of seconds above 0."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name}: {field} must be seconds, more than 0, not {value!r}")


def whole(name: str, field: str, value: object, least: int) -> None:
    """Refuse `value` unless it is a whole number of at least `least`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"{name}: {field} must be a whole number of at least {least}")
