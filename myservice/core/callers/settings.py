"""Settings of who may call: the identity provider, the development key, CORS and the limits.

The checks are plain Python: the libraries that use these values (joserfc, limits) are not
imported with the table of settings.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..settings.setting import Setting, private_enough

# The asymmetric algorithms of RFC 7518, RFC 8037 and RFC 9864: a public key verifies, only its
# owner signs. EdDSA, which RFC 9864 deprecates for Ed25519 and Ed448, is still what most
# providers send (joserfc warns when it verifies one).
ASYMMETRIC = frozenset(
    {
        *("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"),
        *("Ed25519", "Ed448", "EdDSA"),
    }
)
MEMORY = "memory://"
REDIS_SCHEMES = ("redis://", "rediss://")
ANY_ORIGIN = "*"


def jwks_url(value: str) -> str:
    """The AUTH_JWKS_URL setting: an https URL; plain http only to this machine, for tests.

    Over plain http anyone on the way could swap the keys, and sign any token.
    """
    if not private_enough(value):
        raise ValueError("must be the identity provider's https:// URL of its key set (JWKS)")
    return value


def algorithms(names: list[str]) -> list[str]:
    """The AUTH_ALGORITHMS setting: asymmetric algorithms only, at least one."""
    accepted = f"accepts asymmetric algorithms only ({', '.join(sorted(ASYMMETRIC))})"
    if not names:
        raise ValueError(f"{accepted}: name at least one")
    refused = [name for name in names if name not in ASYMMETRIC]
    if refused:
        raise ValueError(f"{accepted}, not {refused}")
    return names


def origins(listed: list[str]) -> list[str]:
    """The CORS_ORIGINS setting: each entry scheme://host[:port], exactly, or `*` alone."""
    if ANY_ORIGIN in listed and len(listed) > 1:
        raise ValueError('holds "*" and other origins: "*" already allows every origin')
    for entry in listed:
        if entry != ANY_ORIGIN and not _is_origin(entry):
            raise ValueError(
                f"holds {entry!r}, which is not an origin such as https://app.example.com"
                " (scheme, host and port only, no path or trailing slash)"
            )
    return listed


def _is_origin(text: str) -> bool:
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        return False
    rebuilt = f"{parts.scheme}://{parts.netloc}"
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and rebuilt == text


def rate_limit(value: str) -> str:
    """The RATE_LIMIT setting: a rate `limits` parses, such as 100/minute or 10 per second."""
    from limits import parse  # noqa: PLC0415 (only a service that limits needs it)

    try:
        parse(value)
    except ValueError:
        raise ValueError("is not a rate such as 100/minute or 10/second") from None
    return value


def storage_url(value: str) -> str:
    """The RATE_LIMIT_STORAGE setting: memory://, or a Redis URL (redis:// or rediss://)."""
    if value != MEMORY and not value.startswith(REDIS_SCHEMES):
        raise ValueError("must be memory:// or a Redis URL such as redis://redis:6379/0")
    return value


SETTINGS: dict[str, Setting] = {
    "AUTH_ALGORITHMS": Setting(["RS256", "ES256"], list, check=algorithms),
    "AUTH_AUDIENCE": Setting(None, str, nullable=True),
    "AUTH_DEVELOPMENT_KEY": Setting(False, bool),
    "AUTH_ISSUER": Setting(None, str, nullable=True),
    "AUTH_JWKS_COOLDOWN": Setting(30, int, minimum=1),
    "AUTH_JWKS_REFRESH": Setting(300, int, minimum=1),
    "AUTH_JWKS_URL": Setting(None, str, nullable=True, check=jwks_url),
    "AUTH_LEEWAY": Setting(30, int, minimum=0),
    "CORS_ALLOW_CREDENTIALS": Setting(False, bool),
    "CORS_MAX_AGE": Setting(600, int, minimum=0),
    "CORS_ORIGINS": Setting([], list, check=origins),
    "MAX_IN_FLIGHT": Setting(512, int, minimum=1),
    "MAX_WEBSOCKETS": Setting(256, int, minimum=1),
    "MAX_WEBSOCKETS_PER_CALLER": Setting(8, int, minimum=1),
    "RATE_LIMIT": Setting(None, str, nullable=True, check=rate_limit),
    "RATE_LIMIT_STORAGE": Setting(MEMORY, str, check=storage_url),
    "WEBSOCKET_IDLE_TIMEOUT": Setting(300, int, minimum=1),
}
