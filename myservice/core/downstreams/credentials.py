"""The credentials a call carries: this service's own token, or the caller's, or none.

A downstream whose `auth` is a client-credentials grant gets this service's own token
(client_credentials.py). One whose `auth` is `forward` gets the incoming request's own bearer
token; no other downstream ever does. One without `auth` gets the headers the view gives.
"""

from __future__ import annotations

import ssl
from typing import Protocol

from prometheus_client import Counter
from quart import has_request_context, has_websocket_context, request, websocket

from .client_credentials import ClientCredentials
from .parts import FORWARD, ClientCredentialsGrant
from .settings import Downstream


class Credentials(Protocol):
    """What goes in a call's Authorization header, and what to send after a 401."""

    async def authorization(self, deadline: float) -> str | None:
        """The header's value for a call that must be sent by `deadline` (loop time)."""

    async def after_rejection(self, rejected: str | None, deadline: float) -> str | None:
        """The value to send again with, after `rejected` got a 401; None: do not send again."""

    async def close(self) -> None:
        """Let go of what the credentials hold open."""


class NoCredentials:
    """A downstream that asks for none: the view's own headers go as they are."""

    async def authorization(self, deadline: float) -> str | None:
        """Nothing."""
        return None

    async def after_rejection(self, rejected: str | None, deadline: float) -> str | None:
        """Nothing: a 401 is the view's to handle."""
        return None

    async def close(self) -> None:
        """Nothing to close."""


class ForwardedToken:
    """The incoming request's own bearer token, for a downstream marked `auth: forward`."""

    async def authorization(self, deadline: float) -> str | None:
        """The caller's `Authorization: Bearer ...`, or None outside a request or without one."""
        if has_request_context():
            given = request.headers.get("Authorization")
        elif has_websocket_context():
            given = websocket.headers.get("Authorization")
        else:
            return None
        scheme, _, token = (given or "").partition(" ")
        return f"Bearer {token}" if scheme.lower() == "bearer" and token else None

    async def after_rejection(self, rejected: str | None, deadline: float) -> str | None:
        """Nothing: the caller's token is the caller's to renew."""
        return None

    async def close(self) -> None:
        """Nothing to close."""


def credentials_of(
    downstream: Downstream, tls: ssl.SSLContext | bool, fetches: Counter
) -> Credentials:
    """The credentials `downstream.auth` asks for; a token endpoint is reached over `tls`."""
    auth = downstream.auth
    if isinstance(auth, ClientCredentialsGrant):
        return ClientCredentials(downstream.name, auth, tls, fetches, downstream.deadline)
    return ForwardedToken() if auth == FORWARD else NoCredentials()
