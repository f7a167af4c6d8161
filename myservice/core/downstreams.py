"""The services this one calls: DOWNSTREAMS names each, with its URL, deadline and pool.

    DOWNSTREAMS:
      billing: {url: "https://billing.internal", deadline: 2, pool: 20}

A view calls one with `downstream("billing")` (downstream_client.py). Each has one connection
pool per worker, opened when the worker starts serving and closed after its drain, never one
per request. A downstream with `ready_path` is a readiness check too: only when asked, since a
service should not go unready because a dependency is down unless it cannot work without it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import cast

from quart import Quart, Response, current_app

from .downstream_attempts import DownstreamError, DownstreamMetrics
from .downstream_client import DownstreamClient
from .errors import problem_response
from .metrics import EXTENSION_KEY as METRICS_KEY
from .metrics import RequestMetrics
from .probes import NotReady, add_readiness_check

EXTENSION_KEY = __name__
NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
DEFAULTS: dict[str, object] = {"deadline": 5, "pool": 100, "retries": 2, "ready_path": None}
TITLES = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


@dataclass(frozen=True)
class Downstream:
    """One service this one calls: its base URL, total deadline, pool size and retries."""

    name: str
    url: str
    deadline: float
    pool: int
    retries: int
    ready_path: str | None


def downstreams(value: object) -> dict[str, dict[str, object]]:
    """The DOWNSTREAMS setting, each entry checked and its defaults filled in."""
    checked = {}
    for name, entry in cast(dict[str, object], value).items():
        if not NAME.match(name):
            raise ValueError(f"names {name!r}: a downstream's name is lowercase, as billing_v2")
        checked[name] = _entry(name, entry)
    return checked


def _entry(name: str, entry: object) -> dict[str, object]:
    if not isinstance(entry, dict):
        raise ValueError(f"{name} must be a mapping such as {{url: https://{name}.internal}}")
    unknown = sorted(map(str, set(entry) - {"url", *DEFAULTS}))
    if unknown:
        raise ValueError(f"{name} has {', '.join(unknown)}; known: url, {', '.join(DEFAULTS)}")
    filled = {**DEFAULTS, **entry}
    url, deadline = filled.get("url"), filled["deadline"]
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ValueError(f"{name} needs its url, an http(s) URL such as https://{name}.internal")
    if (
        isinstance(deadline, bool)
        or not isinstance(deadline, int | float)
        or not math.isfinite(deadline)
        or deadline <= 0
    ):
        raise ValueError(f"{name}: deadline must be seconds, more than 0, not {deadline!r}")
    for field, least in (("pool", 1), ("retries", 0)):
        number = filled[field]
        if isinstance(number, bool) or not isinstance(number, int) or number < least:
            raise ValueError(f"{name}: {field} must be a whole number of at least {least}")
    ready = filled["ready_path"]
    if ready is not None and not (isinstance(ready, str) and ready.startswith("/")):
        raise ValueError(f"{name}: ready_path must be a path such as /readyz, or null")
    return filled


def init_app(app: Quart) -> None:
    """Open each downstream's client when serving starts, close it after; answer its failures."""
    configured = [Downstream(name, **entry) for name, entry in app.config["DOWNSTREAMS"].items()]
    clients: dict[str, DownstreamClient] = {}
    app.extensions[EXTENSION_KEY] = clients
    if not configured:
        return
    recorder: RequestMetrics = app.extensions[METRICS_KEY]
    measured = DownstreamMetrics.on(recorder.registry)

    async def open_clients() -> None:
        for one in configured:
            clients[one.name] = DownstreamClient(
                one, measured, app.config["RESPONSE_TIMEOUT"], getattr(app, "tracing", None)
            )

    async def close_clients() -> None:
        for client in clients.values():
            await client.close()
        clients.clear()

    app.before_serving(open_clients)
    app.after_serving(close_clients)
    for one in configured:
        if one.ready_path is not None:
            add_readiness_check(app, f"downstream {one.name}", _readiness(one.name, one.ready_path))
    app.register_error_handler(DownstreamError, failure_response)


def downstream(name: str) -> DownstreamClient:
    """The client of the downstream DOWNSTREAMS calls `name`, while the app serves."""
    clients: dict[str, DownstreamClient] = current_app.extensions[EXTENSION_KEY]
    try:
        return clients[name]
    except KeyError:
        known = ", ".join(current_app.config["DOWNSTREAMS"]) or "none"
        raise LookupError(
            f"no downstream {name!r} is open (DOWNSTREAMS has {known}; the app opens them when"
            " it starts serving)"
        ) from None


def _readiness(name: str, path: str) -> Callable[[], Awaitable[None]]:
    """A readiness check: the downstream answers 200 at `path`."""

    async def check() -> None:
        try:
            response = await downstream(name).get(path)
        except DownstreamError as error:
            raise NotReady(str(error)) from None
        if response.status_code != 200:
            raise NotReady(f"{path} answered {response.status_code}")

    return check


async def failure_response(error: DownstreamError) -> Response:
    """The problem document of a failed call, naming the downstream."""
    headers = [("Retry-After", str(error.retry_after))] if error.retry_after else []
    return problem_response(
        error.status, TITLES[error.status], str(error), headers, {"downstream": error.downstream}
    )
