"""CORS, for browser pages on other origins: off until CORS_ORIGINS lists the origins allowed.

Each origin is exact (`https://app.example.com`), checked at start-up; `*` alone allows any
origin, and never with CORS_ALLOW_CREDENTIALS. A preflight is answered before any token is
asked for (it never carries one): 204 with what the route allows, or 403 for an origin not
listed. Responses to allowed origins expose the headers a client needs to read: the challenge,
Retry-After, the rate limit's and the request id.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from quart import Request, Response

from .startup import StartupError

ANY = "*"
EXPOSED = "WWW-Authenticate, Retry-After, RateLimit, RateLimit-Policy, X-Request-ID, Location"


def origins(value: object) -> list[str]:
    """The CORS_ORIGINS setting: each entry scheme://host[:port], exactly, or `*` alone."""
    listed = [str(entry) for entry in value] if isinstance(value, list) else []
    if ANY in listed and len(listed) > 1:
        raise ValueError('holds "*" and other origins: "*" already allows every origin')
    for entry in listed:
        if entry != ANY and not _is_origin(entry):
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


class Cors:
    """The CORS headers of the origins allowed."""

    def __init__(self, allowed: list[str], credentials: bool, max_age: int) -> None:
        """Allow `allowed` (or any origin, for `*`); with `credentials`, cookies and tokens too."""
        if ANY in allowed and credentials:
            raise StartupError(
                'CORS_ORIGINS is "*" and CORS_ALLOW_CREDENTIALS is true: browsers refuse that'
                " pair, and it would let any page act as its visitor; list the origins"
            )
        self._any = ANY in allowed
        self._allowed = frozenset(allowed)
        self._credentials = credentials
        self._max_age = str(max_age)

    def allows(self, origin: str) -> bool:
        """Whether pages from `origin` may call the service."""
        return self._any or origin in self._allowed

    def add_headers(self, request: Request, response: Response) -> None:
        """Mark a response to an allowed origin as readable by its page."""
        origin = request.headers.get("Origin")
        if not self._any:
            response.vary.add("Origin")
        if origin is None or not self.allows(origin):
            return
        response.headers["Access-Control-Allow-Origin"] = ANY if self._any else origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED
        if self._credentials:
            response.headers["Access-Control-Allow-Credentials"] = "true"

    def answer_preflight(self, request: Request, response: Response) -> Response | None:
        """Complete Quart's answer to OPTIONS when it is a preflight from an allowed origin.

        None when the origin is not allowed: the caller answers 403.
        """
        origin = request.headers["Origin"]
        if not self.allows(origin):
            return None
        response.headers["Access-Control-Allow-Methods"] = response.headers.get("Allow", "")
        asked = request.headers.get("Access-Control-Request-Headers")
        if asked:
            # Any header the page wants to send: the origin, not the header, is what is checked.
            response.headers["Access-Control-Allow-Headers"] = asked
        response.headers["Access-Control-Max-Age"] = self._max_age
        return response


def is_preflight(request: Request) -> bool:
    """An OPTIONS request a browser sends before a cross-origin one."""
    headers = request.headers
    return "Origin" in headers and "Access-Control-Request-Method" in headers
