"""The development key: tokens without an identity provider, for a developer's machine and tests.

With no AUTH_JWKS_URL the service signs and checks tokens with a P-256 key of its own, kept in
.development-key.json in the working directory (git ignores it), made at first use.
`make token` and the test helpers mint tokens with it; once a route requires a token, the
service refuses to serve on it unless AUTH_DEVELOPMENT_KEY (which `make run` sets), DEBUG or
TESTING is on, so that no deployed service accepts tokens anyone can make.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from ..identity import SERVICE

KEY_FILE = ".development-key.json"
KEY_ID = "development"
ALGORITHM = "ES256"
# What the development tokens say when the settings name no issuer or audience.
ISSUER = f"{SERVICE}-development"
AUDIENCE = SERVICE


class DevelopmentKeys:
    """The development key as a key source: the same one key, always."""

    def __init__(self, directory: Path) -> None:
        """The key kept in `directory`, read (or made) when first needed."""
        self.directory = directory
        self._keys: KeySet | None = None

    async def current(self) -> KeySet:
        """The development key's public half."""
        if self._keys is None:
            public = development_key(self.directory).as_dict(private=False)
            self._keys = KeySet.import_key_set({"keys": [public]})
        return self._keys

    async def after_unknown_key(self) -> KeySet:
        """The same key: a development token names no other."""
        return await self.current()


def development_key(directory: Path) -> ECKey:
    """The key in `directory`, made there first if it has none (readable by its owner only)."""
    path = directory / KEY_FILE
    try:
        return ECKey.import_key(json.loads(path.read_text()))
    except FileNotFoundError:
        pass
    key = ECKey.generate_key("P-256", parameters={"kid": KEY_ID, "alg": ALGORITHM})
    # Written aside, then linked into place: a worker starting beside this one reads either no
    # file or the whole of one, and the first to link wins.
    with tempfile.NamedTemporaryFile("w", dir=directory, delete=False) as aside:
        json.dump(key.as_dict(private=True), aside)
    try:
        os.link(aside.name, path)
    except FileExistsError:
        return ECKey.import_key(json.loads(path.read_text()))
    finally:
        Path(aside.name).unlink()
    return key


def mint_token(  # noqa: PLR0913 (each a claim of the token)
    key: ECKey,
    scopes: Iterable[str],
    *,
    subject: str = "developer",
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
    lifetime: int = 3600,
) -> str:
    """A token for `subject` granting `scopes`, valid for `lifetime` seconds from now."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "scope": " ".join(scopes),
        "iat": now,
        "exp": now + lifetime,
    }
    return jwt.encode({"alg": ALGORITHM, "kid": key.kid, "typ": "at+jwt"}, claims, key)
