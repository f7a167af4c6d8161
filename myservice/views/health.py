"""Health probes for orchestrators and load balancers: liveness and readiness.

Both are cheap, are never rate-limited and log at DEBUG, so that probes do not drown the log.
"""

from __future__ import annotations

from typing import Literal

from quart import Blueprint, Response, current_app

from myservice.errors import problem_response
from myservice.logs import quiet
from myservice.openapi import problems
from myservice.readiness import EXTENSION_KEY, Readiness, run_checks
from myservice.validation import Model, validate_response

blueprint = Blueprint("health", __name__)


class Alive(Model):
    """The process answers."""

    status: Literal["alive"]


class Ready(Model):
    """Every readiness check passed; `checks` maps each one's name to its outcome."""

    status: Literal["ready"]
    checks: dict[str, str]


@blueprint.get("/livez")
@quiet
@validate_response(Alive)
async def livez() -> Alive:
    """Alive: 200 while the process can answer at all; it checks nothing else on purpose."""
    return Alive(status="alive")


@blueprint.get("/healthz")
@quiet
@validate_response(Alive)
async def healthz() -> Alive:
    """Alive, as /livez, for the tools that probe /healthz."""
    return Alive(status="alive")


@blueprint.get("/readyz")
@quiet
@problems(503)
@validate_response(Ready)
async def readyz() -> Ready | Response:
    """Ready for traffic: 200 when every readiness check passes, else a 503 problem naming them."""
    readiness: Readiness = current_app.extensions[EXTENSION_KEY]
    if readiness.draining:
        return problem_response(
            503,
            "Service Unavailable",
            "The service is shutting down and takes no new traffic.",
            extra={"failing": ["shutdown"]},
        )
    checks = await run_checks(current_app)
    failing = [name for name, outcome in checks.items() if outcome != "passed"]
    if failing:
        return problem_response(
            503,
            "Service Unavailable",
            f"Readiness checks failed: {', '.join(failing)}.",
            extra={"failing": failing, "checks": checks},
        )
    return Ready(status="ready", checks=checks)
