"""The layer that refuses an HTTP/1.1 request without the Host header that version requires.

Such a request is answered 400 before routing: HTTP/1.0 may leave Host out, and HTTP/2 names
the host in :authority.
"""

from __future__ import annotations

from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, HTTPScope, Scope
from quart import Quart

from .layers import ASGIApp
from .refusals import send_problem

MISSING_HOST = "An HTTP/1.1 request must name its host in a Host header (RFC 9112, section 3.2)."


class RequireHost:
    """A 400 problem for an HTTP/1.1 request without Host; anything else passes."""

    def __init__(self, app: ASGIApp, _service: Quart) -> None:
        self.app = app

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Refuse an HTTP/1.1 request without Host; pass on anything else."""
        if scope["type"] == "http" and lacks_host(scope):
            await send_problem(scope, send, 400, MISSING_HOST)
            return
        await self.app(scope, receive, send)


def lacks_host(scope: HTTPScope) -> bool:
    """Whether the request is HTTP/1.1 without the Host header that version requires."""
    return scope["http_version"] == "1.1" and not any(
        name == b"host" for name, _ in scope["headers"]
    )
