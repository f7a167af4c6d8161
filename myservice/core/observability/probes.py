"""The skeleton's own endpoints for machines: /livez, /healthz, /readyz, /info and /metrics.

Probes are cheap, public, never limited (neither by MAX_IN_FLIGHT nor by RATE_LIMIT) and log at
DEBUG, so that they do not drown the log.
/readyz runs the readiness checks registered next to the resources they check (http/readiness.py),
each within READINESS_TIMEOUT seconds. Once shutdown has begun, /readyz fails whatever the checks
say, so that load balancers stop sending traffic. /readyz is public and
never limited, so a worker runs its checks once at a time, and answers from a result younger
than FRESH seconds: a flood of probes costs the database one check a second.
"""

from __future__ import annotations

import asyncio
import time
from typing import Literal

from quart import Blueprint, Quart, Response, current_app, request

from ..api.openapi import media_response, problems
from ..api.validation import validate_response
from ..http.access import public, unlimited
from ..http.model import Model
from ..http.problems import problem_response
from ..http.readiness import NotReady, ReadinessCheck, readiness_of
from ..http.readiness import init_app as init_readiness
from .build_info import BuildInfo, build_info_of
from .build_info import init_app as init_build_info
from .metrics import exposition
from .request_log import quiet

# Seconds a readiness result is answered again before the checks run anew.
FRESH = 1.0


# The name starts with _, which no module of views/ can have: it cannot clash with a team's.
blueprint = Blueprint("_probes", __name__)


def init_app(app: Quart) -> None:
    """Serve the probes, the scrape and the build's info; no readiness checks yet, no drain."""
    init_readiness(app)
    init_build_info(app)
    app.register_blueprint(blueprint)


def paths(app: Quart) -> frozenset[str]:
    """The probes' paths, which MAX_IN_FLIGHT spares: a busy worker is not a dead one."""
    prefix = f"{blueprint.name}."
    rules = app.url_map.iter_rules()
    return frozenset(rule.rule for rule in rules if rule.endpoint.startswith(prefix))


class Alive(Model):
    """The process answers."""

    status: Literal["alive"]


class Ready(Model):
    """Every readiness check passed; `checks` maps each one's name to its outcome."""

    status: Literal["ready"]
    checks: dict[str, str]


@blueprint.get("/livez")
@public
@unlimited
@quiet
@validate_response(Alive)
async def livez() -> Alive:
    """Alive: 200 while the process can answer at all; it checks nothing else on purpose."""
    return Alive(status="alive")


@blueprint.get("/healthz")
@public
@unlimited
@quiet
@validate_response(Alive)
async def healthz() -> Alive:
    """Alive, as /livez, for the tools that probe /healthz."""
    return Alive(status="alive")


@blueprint.get("/readyz")
@public
@unlimited
@quiet
@problems(503)
@validate_response(Ready)
async def readyz() -> Ready | Response:
    """Ready for traffic: 200 when every readiness check passes, else a 503 problem naming them."""
    if readiness_of(current_app).draining:
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


@blueprint.get("/info")
@public
@unlimited
@quiet
@validate_response(BuildInfo)
async def info() -> BuildInfo:
    """Which build runs: version, commit and build time where known, Python, key packages."""
    return build_info_of(current_app)


@blueprint.get("/metrics")
@public
@unlimited
@quiet
@media_response(
    200,
    "Prometheus text exposition, or OpenMetrics for a scraper that asks for it.",
    "text/plain",
    "application/openmetrics-text",
)
async def metrics() -> Response:
    """Request counts, latency and requests in progress, as Prometheus text or OpenMetrics."""
    body, content_type = exposition(current_app, request.headers.get("Accept", ""))
    return current_app.response_class(body, content_type=content_type)


async def run_checks(app: Quart) -> dict[str, str]:
    """Say of every check: passed, failed or timed out; from the last run if still fresh.

    One run at a time: a probe that comes during a run waits for it and shares its result.
    """
    readiness = readiness_of(app)
    async with readiness.running:
        if time.monotonic() - readiness.checked_at >= FRESH:
            timeout = app.config["READINESS_TIMEOUT"]
            names = list(readiness.checks)
            outcomes = await asyncio.gather(
                *(_outcome(app, name, readiness.checks[name], timeout) for name in names)
            )
            readiness.outcomes = dict(zip(names, outcomes, strict=True))
            readiness.checked_at = time.monotonic()
        return readiness.outcomes


async def _outcome(app: Quart, name: str, check: ReadinessCheck, seconds: float) -> str:
    try:
        async with asyncio.timeout(seconds):
            result = await check()
    except TimeoutError:
        app.logger.warning("readiness check %s took more than %ss", name, seconds)
        return "timed out"
    except NotReady as reason:
        app.logger.warning("readiness check %s failed: %s", name, reason)
        return f"failed: {reason}"
    except Exception:
        app.logger.exception("readiness check %s failed", name)
        return "failed"
    return "failed" if result is False else "passed"
