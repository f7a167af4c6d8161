"""The stand-in identity provider's token endpoint: client credentials, as RFC 6749 grants them.

It knows its clients (`clients`: id to secret), takes the secret in Basic credentials or in
the form, and answers a token its provider mints for the scope and audience asked; or, as a
test tells it, an error status, a body of its own, or slowly. It counts what it is asked.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from io import BufferedIOBase
from urllib.parse import parse_qsl

from ..callers.development_tokens import client_credentials

TOKEN_PATH = "/token"  # noqa: S105  # nosec B105  # a path, not a password
# The client the token endpoint knows from the start: (client id, secret).
CLIENT = ("orders", "orders-secret")


@dataclass
class TokenEndpoint:
    """The endpoint's clients, what it has granted, and how it misbehaves when a test says."""

    mint: Callable[..., str]  # the provider's: mint(*scopes, subject=..., lifetime=..., **claims)
    audience: str  # of the tokens that ask for none
    clients: dict[str, str] = field(default_factory=lambda: dict([CLIENT]))  # id: secret
    fetches: int = 0
    status: int = 200  # what it answers with: 500 makes it fail
    body: bytes | None = None  # an answer of its own instead of a token
    delay: float = 0.0  # seconds before it answers
    lifetime: int | None = 300  # expires_in; None leaves it out
    granted: list[dict[str, str]] = field(default_factory=list)  # the form of each token given

    def answer(self, path: str, headers: Message, body: BufferedIOBase) -> tuple[int, bytes]:
        """The status and JSON body it answers a POST to `path` with."""
        length = int(headers.get("Content-Length") or 0)
        form = dict(parse_qsl(body.read(length).decode("latin-1")))
        time.sleep(self.delay)
        if path != TOKEN_PATH:
            return 404, _json({"error": "not_found"})
        if self.status != 200:
            return self.status, _json({"error": "temporarily_unavailable"})
        if self.body is not None:
            return 200, self.body
        if form.get("grant_type") != "client_credentials":
            return 400, _json({"error": "unsupported_grant_type"})
        client_id, secret = client_credentials(headers.get("Authorization"), form)
        known = self.clients.get(client_id)
        if known is None or not hmac.compare_digest(known, secret):
            return 401, _json({"error": "invalid_client"})
        self.granted.append(form)
        token = self.mint(
            *form.get("scope", "").split(),
            subject=client_id,
            lifetime=self.lifetime or 300,
            aud=form.get("audience", self.audience),
            jti=secrets.token_hex(8),  # each token its own, as a provider's are
        )
        kind = "Bearer"
        answer: dict[str, object] = {"access_token": token, "token_type": kind}
        if self.lifetime is not None:
            answer["expires_in"] = self.lifetime
        return 200, _json(answer)


def _json(document: dict[str, object]) -> bytes:
    return json.dumps(document).encode()
