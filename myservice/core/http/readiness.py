"""The readiness registry: the checks /readyz runs, registered next to what they check.

    add_readiness_check(blueprint, "database", database_reachable)

where `database_reachable` is an async function with no arguments that raises, returns False or
takes too long when the database cannot be used; raising NotReady("reason") shows the reason in
/readyz's answer. Once the drain has begun (start_draining), /readyz fails whatever the checks
say. The registry sits below the features that register checks (data, callers, calls, events)
and the probes that run them (observability/probes.py).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import cast

from quart import Blueprint, Quart

from ..identity import StartupError

EXTENSION_KEY = __name__

ReadinessCheck = Callable[[], Awaitable[object]]


class NotReady(Exception):  # noqa: N818 (what /readyz says)
    """A check's own reason not to take traffic, fit for /readyz to show (no internals)."""


@dataclass
class Readiness:
    """The registered checks, by name, whether shutdown has begun, and the last outcomes."""

    checks: dict[str, ReadinessCheck] = field(default_factory=dict)
    draining: bool = False
    running: asyncio.Lock = field(default_factory=asyncio.Lock)
    outcomes: dict[str, str] = field(default_factory=dict)
    checked_at: float = -math.inf


def init_app(app: Quart) -> None:
    """Start with no readiness checks and no drain."""
    app.extensions[EXTENSION_KEY] = Readiness()


def readiness_of(app: Quart) -> Readiness:
    """The app's readiness: its checks, and whether it drains."""
    readiness: Readiness = app.extensions[EXTENSION_KEY]
    return readiness


def add_readiness_check(target: Quart | Blueprint, name: str, check: ReadinessCheck) -> None:
    """Have /readyz run `check`; on a Blueprint it applies to the app the blueprint joins."""
    if isinstance(target, Blueprint):
        target.record_once(lambda state: add_readiness_check(cast(Quart, state.app), name, check))
        return
    checks = readiness_of(target).checks
    if name in checks:
        raise StartupError(f"a readiness check named {name!r} is registered already: pick another")
    checks[name] = check


def start_draining(app: Quart) -> None:
    """From now on /readyz answers 503, so load balancers take this instance out of rotation."""
    readiness_of(app).draining = True
