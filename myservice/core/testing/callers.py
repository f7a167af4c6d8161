"""The plugin's fixtures of callers: tokens the app accepts, and clients that send them.

- `signed_in("refunds:read", subject="alice")`: a test client of the `app` fixture whose every
  request carries a token granting those scopes, unless it sends an Authorization of its own;
- `token(...)`: such a token, signed with the development key; `bearer(...)`: its header;
- `key_server`: a stand-in identity provider on loopback (key_server.py), for an app set up
  with AUTH_JWKS_URL as in production.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from quart import Quart, Response
from quart.testing import QuartClient
from werkzeug.datastructures import Headers

from ..callers.development_key import development_key, mint_token
from .key_server import KeyServer


class SignedInClient(QuartClient):
    """A test client that sends `authorization` with each request that sends none itself."""

    def __init__(self, app: Quart, authorization: str) -> None:
        super().__init__(app)
        self.authorization = authorization

    async def open(
        self, path: str, *, headers: dict[str, str] | Headers | None = None, **kwargs: Any
    ) -> Response:
        """Send the request as QuartClient does, with the token added."""
        sent = Headers(headers)
        sent.setdefault("Authorization", self.authorization)
        return await super().open(path, headers=sent, **kwargs)


@pytest.fixture
def token() -> Callable[..., str]:
    """Mint tokens the app accepts, each with the scopes, subject and lifetime asked for.

    Called as `token("refunds:read", subject="alice", lifetime=60)`.
    """

    def mint(*scopes: str, subject: str = "tester", lifetime: int = 3600) -> str:
        # The app's development key: the one in the working directory, which the test owns.
        key = development_key(Path.cwd())
        return mint_token(key, scopes, subject=subject, lifetime=lifetime)

    return mint


@pytest.fixture
def bearer(token: Callable[..., str]) -> Callable[..., dict[str, str]]:
    """The header of such a token: client.get(url, headers=bearer("refunds:read"))."""

    def headers(*scopes: str, subject: str = "tester") -> dict[str, str]:
        return {"Authorization": f"Bearer {token(*scopes, subject=subject)}"}

    return headers


@pytest.fixture
def signed_in(app: Quart, token: Callable[..., str]) -> Callable[..., SignedInClient]:
    """Clients of the `app` fixture, each signed in with the scopes it is made with.

    Called as `signed_in("refunds:read", subject="alice")`.
    """

    def client(*scopes: str, subject: str = "tester") -> SignedInClient:
        return SignedInClient(app, f"Bearer {token(*scopes, subject=subject)}")

    return client


@pytest.fixture
def key_server() -> Iterator[KeyServer]:
    """A stand-in identity provider on loopback; `create_app(key_server.settings())` uses it."""
    server = KeyServer()
    yield server
    server.stop()
