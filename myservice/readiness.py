"""Readiness: the checks /readyz runs, registered by the service, and the drain that fails them all.

A service adds a check in one line, next to the resource it checks:

    add_readiness_check(blueprint, "database", database_reachable)

where `database_reachable` is an async function with no arguments that raises, returns False or
takes longer than READINESS_TIMEOUT seconds when the database cannot be used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import cast

from quart import Blueprint, Quart

EXTENSION_KEY = "myservice.readiness"

ReadinessCheck = Callable[[], Awaitable[object]]


@dataclass
class Readiness:
    """The registered checks, by name, and whether shutdown has begun."""

    checks: dict[str, ReadinessCheck] = field(default_factory=dict)
    draining: bool = False


def init_app(app: Quart) -> None:
    """Start with no checks and no drain."""
    app.extensions[EXTENSION_KEY] = Readiness()


def add_readiness_check(target: Quart | Blueprint, name: str, check: ReadinessCheck) -> None:
    """Have /readyz run `check`; on a Blueprint it applies to the app the blueprint joins."""
    if isinstance(target, Blueprint):
        target.record_once(lambda state: add_readiness_check(cast(Quart, state.app), name, check))
        return
    checks = target.extensions[EXTENSION_KEY].checks
    if name in checks:
        raise ValueError(f"a readiness check named {name!r} is registered already")
    checks[name] = check


def start_draining(app: Quart) -> None:
    """From now on /readyz answers 503, so load balancers take this instance out of rotation."""
    app.extensions[EXTENSION_KEY].draining = True


async def run_checks(app: Quart) -> dict[str, str]:
    """Run every check at once and say of each: passed, failed or timed out."""
    readiness: Readiness = app.extensions[EXTENSION_KEY]
    timeout = app.config["READINESS_TIMEOUT"]
    names = list(readiness.checks)
    outcomes = await asyncio.gather(
        *(_outcome(app, name, readiness.checks[name], timeout) for name in names)
    )
    return dict(zip(names, outcomes, strict=True))


async def _outcome(app: Quart, name: str, check: ReadinessCheck, timeout: float) -> str:
    try:
        result = await asyncio.wait_for(check(), timeout)
    except asyncio.TimeoutError:
        app.logger.warning("readiness check %s took more than %ss", name, timeout)
        return "timed out"
    except Exception:
        app.logger.exception("readiness check %s failed", name)
        return "failed"
    return "failed" if result is False else "passed"
