"""CORS, for browser pages on other origins: off until CORS_ORIGINS lists the origins allowed.

Each origin is exact (`https://app.example.com`), checked at start-up; `*` alone allows any
origin, and never with CORS_ALLOW_CREDENTIALS. A preflight is answered before any token is
asked for (it never carries one): 204 with what the route allows, or 403 for an origin not
listed. Responses to allowed origins expose the headers a client needs to read: the challenge,
Retry-After, the rate limit's, the request id, and the ETag a page sends back in If-Match.
"""

from __future__ import annotations

from typing import cast

from quart import Quart, Request, Response
from quart.typing import ResponseTypes

from ..http.layers import Answer
from ..http.problems import problem_response
from ..identity import StartupError
from .settings import ANY_ORIGIN

EXTENSION_KEY = __name__
EXPOSED = "WWW-Authenticate, Retry-After, RateLimit, RateLimit-Policy, X-Request-ID, Location, ETag"


def init_app(app: Quart) -> None:
    """Answer CORS for the origins CORS_ORIGINS lists; none when it lists none."""
    config = app.config
    if config["CORS_ORIGINS"]:
        app.extensions[EXTENSION_KEY] = Cors(
            config["CORS_ORIGINS"], config["CORS_ALLOW_CREDENTIALS"], config["CORS_MAX_AGE"]
        )


def cors_headers(answer: Answer, app: Quart) -> Answer:
    """The link that marks each answer to an allowed origin as readable, if CORS is on."""
    allowed: Cors | None = app.extensions.get(EXTENSION_KEY)
    if allowed is None:
        return answer

    async def readable(request: Request) -> ResponseTypes:
        response = await answer(request)
        allowed.add_headers(request, cast(Response, response))
        return response

    return readable


class Cors:
    """The CORS headers of the origins allowed."""

    def __init__(self, allowed: list[str], credentials: bool, max_age: int) -> None:
        """Allow `allowed` (or any origin, for `*`); with `credentials`, cookies and tokens too."""
        if ANY_ORIGIN in allowed and credentials:
            raise StartupError(
                'CORS_ORIGINS is "*" and CORS_ALLOW_CREDENTIALS is true: browsers refuse that'
                " pair, and it would let any page act as its visitor; list the origins"
            )
        self._any = ANY_ORIGIN in allowed
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
        response.headers["Access-Control-Allow-Origin"] = ANY_ORIGIN if self._any else origin
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


def options_answer(app: Quart, request: Request, response: Response) -> Response:
    """Quart's answer to OPTIONS, completed for a preflight: what its origin may do, or 403."""
    allowed: Cors | None = app.extensions.get(EXTENSION_KEY)
    if allowed is None or not is_preflight(request):
        return response
    answered = allowed.answer_preflight(request, response)
    if answered is None:
        origin = request.headers["Origin"]
        detail = f"Pages from {origin} may not call this service (CORS_ORIGINS)."
        return problem_response(403, "Forbidden", detail)
    return answered
