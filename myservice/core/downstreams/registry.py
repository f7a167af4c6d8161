"""The services this one calls: DOWNSTREAMS names each, with its URL, deadline and pool.

    DOWNSTREAMS:
      billing: {url: "https://billing.internal", deadline: 2, pool: 20}

A view calls one with `downstream("billing")` (client.py). Each has one connection
pool per worker, opened when the worker starts serving and closed after its drain, never one
per request. A downstream with `ready_path` is a readiness check too: only when asked, since a
service should not go unready because a dependency is down unless it cannot work without it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from quart import Quart, Response, current_app

from ..http.problems import problem_response, title_of
from ..http.readiness import NotReady, add_readiness_check
from ..observability.metrics import EXTENSION_KEY as METRICS_KEY
from ..observability.metrics import RequestMetrics
from ..observability.tracing import tracing_of
from ..settings.setting import private_enough
from .client import DownstreamClient
from .downstream_metrics import DownstreamMetrics
from .outcomes import DownstreamError
from .settings import Downstream

EXTENSION_KEY = __name__


def init_app(app: Quart) -> None:
    """Open each downstream's client when serving starts, close it after; answer its failures."""
    configured = [Downstream.of(name, entry) for name, entry in app.config["DOWNSTREAMS"].items()]
    for one in configured:
        if one.auth is not None and not private_enough(one.url):
            app.logger.warning(
                "DOWNSTREAMS %s: its calls carry tokens over plain http to %s; use https,"
                " unless a service mesh encrypts the hop",
                one.name,
                urlsplit(one.url).hostname,
            )
    clients: dict[str, DownstreamClient] = {}
    app.extensions[EXTENSION_KEY] = clients
    app.register_error_handler(DownstreamError, failure_response)
    if not configured:
        return
    recorder: RequestMetrics = app.extensions[METRICS_KEY]
    measured = DownstreamMetrics.on(recorder.registry)

    async def open_clients() -> None:
        for one in configured:
            clients[one.name] = DownstreamClient(
                one, measured, app.config["RESPONSE_TIMEOUT"], tracing_of(app)
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


def downstream(name: str) -> DownstreamClient:
    """The client of the downstream DOWNSTREAMS calls `name`, while the app serves.

    A name this deployment does not configure is a downstream out of reach: a 503 naming it,
    as for one that is down, and an error in the log. Outside serving, a LookupError.
    """
    clients: dict[str, DownstreamClient] = current_app.extensions[EXTENSION_KEY]
    configured = current_app.config["DOWNSTREAMS"]
    if name not in configured:
        known = ", ".join(configured) or "none"
        detail = f"no downstream {name!r} is configured here (DOWNSTREAMS has {known})"
        current_app.logger.error(detail)
        raise DownstreamError(503, name, f"{detail}.")
    try:
        return clients[name]
    except KeyError:
        raise LookupError(
            f"no downstream {name!r} is open: the app opens them when it starts serving"
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
        error.status, title_of(error.status), str(error), headers, {"downstream": error.downstream}
    )
