"""The request and WebSocket classes: JSON bodies that are JSON, and what the gate found out.

The gate (callers/gate.py) leaves on a request, or a WebSocket before it is accepted, who the
caller is and where it stands with the rate limit, for the view, the log line and the headers.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any, NoReturn, cast

from quart import Request, Websocket
from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadRequest, RequestTimeout, UnsupportedMediaType

from .caller import Caller
from .gzip_bodies import body_class_for

# The deepest a body's JSON may nest. The parser stops near 1000, but the code a body then
# reaches (validation, the views, the JSON writer) recurses too, and would fail, as a 500,
# much sooner; no API needs a tenth of this.
DEEPEST = 64


class Admitted:
    """What the gate found out of a request or a WebSocket, for its view and its log line."""

    # The verified caller of a protected route, and the rate limit's standing.
    caller: Caller | None = None
    rate_limit: tuple[int, int] | None = None


class ServiceWebsocket(Admitted, Websocket):
    """Quart's WebSocket, with what the gate found out, whether it was accepted, and when.

    It also knows when a message last went either way, for WEBSOCKET_IDLE_TIMEOUT.
    """

    accepted = False
    # Set by callers/websocket_bounds.py while the socket counts against its caller's cap.
    bounds: tuple[str, asyncio.Future[None]] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """A WebSocket as Quart makes it, active from now."""
        super().__init__(*args, **kwargs)
        self.last_active = time.monotonic()

    async def receive(self) -> str | bytes:
        """The next message from the client, as Quart gives it."""
        message = await super().receive()
        self.last_active = time.monotonic()
        return message

    async def send(self, data: str | bytes) -> None:
        """Send a message to the client, as Quart does."""
        await super().send(data)
        self.last_active = time.monotonic()

    async def accept(
        self, headers: dict[str, str] | Headers | None = None, subprotocol: str | None = None
    ) -> None:
        """Accept the connection as Quart does (once), and remember it was."""
        await super().accept(headers, subprotocol)
        self.accepted = True


class JSONRequest(Admitted, Request):
    """A request whose JSON body is JSON, or the client hears why not.

    Quart's own get_json() returns None for a body sent under a non-JSON Content-Type, lets a
    body that is not UTF-8 or that nests too deeply escape as a 500, accepts NaN, Infinity and
    1e999, which the service would then echo as invalid JSON, and reads a key sent twice in one
    object as its last value, where another reader of the same body may take the first.
    A gzip body is inflated when it is read (gzip_bodies.py), never before.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """A request as Quart makes it, whose body is read in the encoding it was sent in."""
        super().__init__(*args, **kwargs)
        encoded = body_class_for(self.headers)
        if encoded is not None:
            self.body = encoded(self.content_length, kwargs.get("max_content_length"))

    async def get_data(  # type: ignore[override]  # Quart's overloads narrow only the return
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> str | bytes:
        """The body, as Quart reads it, but awaited under asyncio.timeout (BODY_TIMEOUT).

        Quart awaits it with asyncio.wait_for, which on Python 3.11 drops a cancel that comes
        in the same turn as the body's end: a client that hangs up just then would still have
        its view run, and its write done.
        """
        if parse_form_data:
            return cast(bytes, await super().get_data(cache, as_text, parse_form_data))
        try:
            async with asyncio.timeout(self.body_timeout):
                data = cast(bytes, await self.body)
        except TimeoutError as error:
            raise RequestTimeout from error
        if not cache:
            self.body.clear()
        return data.decode() if as_text else data

    async def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """Parse the body as JSON: 415 for a non-JSON Content-Type, 400 for a body that won't parse.

        With silent=True both give None instead, as in Quart.
        """
        if not (force or self.is_json):
            if silent:
                return None
            sent = self.mimetype or "no Content-Type"
            raise UnsupportedMediaType(
                f"Send the body as application/json; this request sent {sent}."
            )
        data = cast(bytes, await self.get_data(cache=cache, as_text=False, parse_form_data=False))
        too_deep = f"The body's JSON is nested too deeply (more than {DEEPEST} levels)."
        try:
            parsed = self.json_module.loads(
                data.decode("utf-8"),
                parse_constant=_refuse_constant,
                parse_float=_finite_float,
                object_pairs_hook=_unique_keys,
            )
        except UnicodeDecodeError as error:
            problem = f"The body is not UTF-8 (bad byte at offset {error.start})."
        except RecursionError:
            problem = too_deep
        except ValueError as error:
            problem = f"The body is not valid JSON: {error}."
        else:
            if _nested_within(parsed, DEEPEST):
                return parsed
            problem = too_deep
        if silent:
            return None
        raise BadRequest(problem)

    @property
    def blueprints(self) -> list[str]:
        """The matched endpoint's blueprints, innermost first, as Quart has them.

        Quart asks four times a request; its own property imports its helper each time, which
        `make bench` put at 2% of a request. The answer is kept for the endpoint it is for.
        """
        endpoint = self.endpoint
        if endpoint != self._blueprints_endpoint:
            parts = endpoint.split(".")[:-1] if endpoint else []
            self._blueprints = [".".join(parts[:end]) for end in range(len(parts), 0, -1)]
            self._blueprints_endpoint = endpoint
        return self._blueprints

    _blueprints_endpoint: str | None = None
    _blueprints: list[str] = []  # noqa: RUF012 (replaced, never changed in place)

    # Set by the app: when handling began (time.perf_counter()), for the calls' deadlines.
    started: float | None = None


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f'the key "{key}" appears twice in one object')
            seen.add(key)
    return obj


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large for a number")
    return value


def _nested_within(value: object, deepest: int) -> bool:
    """Whether no list or object in `value` lies more than `deepest` levels down."""
    level: list[object] = [value]
    for _ in range(deepest):
        level = [
            child
            for node in level
            if isinstance(node, list | dict)
            for child in (node.values() if isinstance(node, dict) else node)
        ]
        if not level:
            return True
    return not any(isinstance(node, list | dict) for node in level)
