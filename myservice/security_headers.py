"""Security headers on every response: no MIME sniffing, and API answers kept out of caches."""

from __future__ import annotations

from quart import Quart, Response


def init_app(app: Quart) -> None:
    """Add the headers after each view, keeping a Cache-Control header the view set itself."""
    app.after_request(_add_security_headers)


async def _add_security_headers(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Cache-Control", "no-store")
    return response
