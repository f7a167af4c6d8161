"""Security headers on every response: no MIME sniffing, and API answers kept out of caches."""

from __future__ import annotations

from werkzeug.datastructures import Headers


def add_security_headers(headers: Headers) -> None:
    """Add the headers, keeping a Cache-Control header the view set itself."""
    headers["X-Content-Type-Options"] = "nosniff"
    # Not setdefault(): for a missing key Werkzeug raises and catches an exception inside, which
    # costs more than looking through the few headers a response has.
    if not any(name.lower() == "cache-control" for name in headers.keys()):  # noqa: SIM118
        headers.add("Cache-Control", "no-store")
