"""The two shapes of a step on the request path, which request_path.py lists in order.

A layer acts before Quart routes anything, in Starlette's shape: an ASGI app built once around
the next one, so that what it refuses costs no routing. A link acts around Quart's answer to a
request (or its handling of a WebSocket): built once around the next link, it is given the
request and gives the response.
Both are built with the service's app, for its settings; a step with nothing to do for this app
gives back the next one as it is, and so costs nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, Scope
from quart import Quart, Request, Websocket
from quart.typing import ResponseTypes

ASGIApp = Callable[[Scope, ASGIReceiveCallable, ASGISendCallable], Awaitable[None]]
Answer = Callable[[Request], Awaitable[ResponseTypes]]
# A WebSocket's handling gives a response only when it refuses the socket.
Handling = Callable[[Websocket], Awaitable[ResponseTypes | None]]
Layer = Callable[[ASGIApp, Quart], ASGIApp]
Link = Callable[[Answer, Quart], Answer]
WebsocketLink = Callable[[Handling, Quart], Handling]

Step = TypeVar("Step")


def stacked(steps: Sequence[Callable[[Step, Quart], Step]], innermost: Step, app: Quart) -> Step:
    """`innermost` wrapped in each of `steps`, the first outermost."""
    for step in reversed(steps):
        innermost = step(innermost, app)
    return innermost
