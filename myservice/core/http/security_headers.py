"""Security headers on every response: no MIME sniffing, and API answers kept out of caches.

They are added to the raw ASGI header list, as bytes, where Werkzeug's Headers would check and
convert each one: `make bench` measured that at about 4% of a request. A view whose answers
may be kept declares it, `@cache_control("public, max-age=60")`: its successful answers carry
that instead of `no-store`; its errors never do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from quart import Quart, Request, Response
from quart.typing import ResponseTypes

from .layers import Answer
from .routes import View

RawHeaders = list[tuple[bytes, bytes]]

NOSNIFF = (b"x-content-type-options", b"nosniff")
NO_STORE = (b"cache-control", b"no-store")
CACHE_ATTRIBUTE = "cache_control"


def cache_control(policy: str) -> Callable[[View], View]:
    """Let this view's successful answers be cached as `policy` says (a Cache-Control value)."""
    if not policy.strip() or any(character in policy for character in "\r\n"):
        raise ValueError(f"a Cache-Control policy is one line of directives, not {policy!r}")

    def decorator(view: View) -> View:
        setattr(view, CACHE_ATTRIBUTE, policy)
        return view

    return decorator


def cache_policy(answer: Answer, app: Quart) -> Answer:
    """The link that gives each successful answer its view's cache policy, if any view has one."""
    views = app.view_functions
    if not any(hasattr(view, CACHE_ATTRIBUTE) for view in views.values()):
        return answer

    async def with_policy(request: Request) -> ResponseTypes:
        response = await answer(request)
        apply_cache_policy(views.get(request.endpoint or ""), cast(Response, response))
        return response

    return with_policy


def apply_cache_policy(view: Callable[..., object] | None, response: Response) -> None:
    """Give a successful answer its view's declared policy, unless the view set one itself."""
    policy = getattr(view, CACHE_ATTRIBUTE, None)
    if (
        policy is not None
        and response.status_code < 400
        and "Cache-Control" not in response.headers
    ):
        response.headers["Cache-Control"] = policy


def add_security_headers(headers: RawHeaders) -> None:
    """Add to `headers`, lowercase as ASGI has them, those of the two the view did not set."""
    sniffing = caching = True
    for name, _ in headers:
        if name == NO_STORE[0]:
            caching = False
        elif name == NOSNIFF[0]:
            sniffing = False
    if sniffing:
        headers.append(NOSNIFF)
    if caching:
        headers.append(NO_STORE)
