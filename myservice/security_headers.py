"""Security headers on every response: no MIME sniffing, and API answers kept out of caches."""

from __future__ import annotations

from werkzeug.datastructures import Headers


def add_security_headers(headers: Headers) -> None:
    """Add the headers, keeping a Cache-Control header the view set itself."""
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Cache-Control", "no-store")
