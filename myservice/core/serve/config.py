"""Where and how `make serve` listens: HOST, PORT and WORKERS, and the server's limits.

HOST, PORT and WORKERS come from the environment; the limits from the settings
(HEADER_TIMEOUT, KEEP_ALIVE_TIMEOUT, LISTEN_BACKLOG, MAX_HEADER_SIZE).

The supervisor binds the one listening socket; every worker serves it with uvicorn, configured
here: httptools to parse HTTP (with bounds on the request head's size and time, http.py), no
`Server` header, no access log (the service logs each request itself) and no proxy headers (a
client must not choose the address the service sees).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import uvicorn
from quart import Quart

from ..identity import StartupError
from .http import protocol_for

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
HIGHEST_PORT = 65535


@dataclass(frozen=True)
class Listener:
    """The address to listen on and the number of workers that share it."""

    host: str
    port: int
    workers: int


def listener_from_environment() -> Listener:
    """HOST, PORT and WORKERS; raise StartupError naming the variable that is wrong."""
    return Listener(
        host=os.environ.get("HOST") or DEFAULT_HOST,
        port=_whole_number("PORT", DEFAULT_PORT, 0, HIGHEST_PORT),
        workers=_whole_number("WORKERS", 1, 1, None),
    )


def bind(listener: Listener, backlog: int) -> socket.socket:
    """The listening socket; PORT 0 takes a free port. A failure is a StartupError."""
    family = socket.AF_INET6 if ":" in listener.host else socket.AF_INET
    try:
        return socket.create_server((listener.host, listener.port), family=family, backlog=backlog)
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else str(error)
        raise StartupError(
            f"cannot listen on {address(listener.host, listener.port)}: {reason}"
        ) from None


def address(host: str, port: int) -> str:
    """host:port, with an IPv6 host in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def uvicorn_config(app: Quart, settings: Mapping[str, object]) -> uvicorn.Config:
    """Uvicorn's configuration of a worker serving `app` under `settings`."""
    return uvicorn.Config(
        app,
        http=protocol_for(app, cast(int, settings["HEADER_TIMEOUT"])),
        # WebSockets through wsproto, which is pinned, whatever else is installed; a message
        # larger than a request body may be is refused with 1009, not buffered.
        ws="wsproto",
        ws_max_size=cast(int, settings["MAX_CONTENT_LENGTH"]),
        # The worker runs the event loop itself (uvloop where it is installed).
        loop="none",
        lifespan="on",
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        timeout_keep_alive=cast(int, settings["KEEP_ALIVE_TIMEOUT"]),
        timeout_graceful_shutdown=cast(int, settings["GRACEFUL_TIMEOUT"]),
        backlog=cast(int, settings["LISTEN_BACKLOG"]),
        # uvicorn's own bound on the request head under h11; protocol_for()'s protocol applies it.
        h11_max_incomplete_event_size=cast(int, settings["MAX_HEADER_SIZE"]),
    )


def _whole_number(variable: str, default: int, lowest: int, highest: int | None) -> int:
    raw = os.environ.get(variable)
    if not raw:
        return default
    within = f"from {lowest} to {highest}" if highest is not None else f"of at least {lowest}"
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < lowest or (highest is not None and value > highest):
        raise StartupError(f"{variable} must be a whole number {within}, not {raw!r}")
    return value
