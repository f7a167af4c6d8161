"""Health probes for orchestrators and load balancers: liveness and readiness.

Both are cheap, are never rate-limited and log at DEBUG, so that probes do not drown the log.
"""

from __future__ import annotations

from quart import Blueprint, Response, current_app

from myservice.errors import problem_response
from myservice.logs import quiet
from myservice.readiness import EXTENSION_KEY, Readiness, run_checks

blueprint = Blueprint("health", __name__)


@blueprint.get("/livez")
@blueprint.get("/healthz")
@quiet
async def livez() -> dict[str, str]:
    """Alive: 200 while the process can answer at all; it checks nothing else on purpose."""
    return {"status": "alive"}


@blueprint.get("/readyz")
@quiet
async def readyz() -> dict[str, object] | Response:
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
    return {"status": "ready", "checks": checks}
