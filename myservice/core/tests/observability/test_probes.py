"""Liveness always answers; readiness runs the registered checks and fails once shutdown begins."""

from __future__ import annotations

import asyncio
import logging

import pytest
from quart import Blueprint, Quart
from quart.typing import TestClientProtocol as Client
from sqlalchemy import event

from ...data import database
from ...http.readiness import NotReady, add_readiness_check, start_draining
from ...identity import SERVICE
from ...observability import probes
from ..plumbing import create_app


async def passes() -> None:
    """A check that passes."""


async def raises() -> None:
    """A check that fails by raising, with internals in its message."""
    raise ConnectionRefusedError("postgres://admin:hunter2@10.0.0.5 refused")


async def says_no() -> bool:
    """A check that fails by returning False."""
    return False


async def hangs() -> None:
    """A check that never answers."""
    await asyncio.sleep(3600)


@pytest.mark.parametrize("path", ["/livez", "/healthz"])
async def test_liveness_answers_200(client: Client, path: str) -> None:
    """/livez and its alias /healthz answer 200 with JSON and check nothing else."""
    response = await client.get(path)
    assert response.status_code == 200
    assert await response.get_json() == {"status": "alive"}


async def test_ready_checks_the_database_itself(client: Client) -> None:
    """With nothing else registered, the service is ready once its database is."""
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert await response.get_json() == {"status": "ready", "checks": {"database": "passed"}}


async def test_ready_when_every_check_passes(app: Quart) -> None:
    """Passing checks are listed by name."""
    add_readiness_check(app, "queue", passes)
    add_readiness_check(app, "cache", passes)
    response = await app.test_client().get("/readyz")
    assert response.status_code == 200
    assert await response.get_json() == {
        "status": "ready",
        "checks": {"database": "passed", "queue": "passed", "cache": "passed"},
    }


async def test_failing_checks_give_a_503_problem_naming_them(
    app: Quart, caplog: pytest.LogCaptureFixture
) -> None:
    """Raising or returning False fails a check; the body names it and leaks nothing of why."""
    add_readiness_check(app, "store", raises)
    add_readiness_check(app, "queue", says_no)
    add_readiness_check(app, "cache", passes)
    with caplog.at_level(logging.ERROR, logger=SERVICE):
        response = await app.test_client().get("/readyz", headers={"X-Request-ID": "probe-1"})
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert await response.get_json(force=True) == {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "Readiness checks failed: store, queue.",
        "failing": ["store", "queue"],
        "checks": {"database": "passed", "store": "failed", "queue": "failed", "cache": "passed"},
        "request_id": "probe-1",
    }
    assert "hunter2" not in await response.get_data(as_text=True)
    [record] = caplog.records
    assert record.getMessage() == "readiness check store failed"
    assert isinstance(record.exc_info and record.exc_info[1], ConnectionRefusedError)


async def test_a_hanging_check_times_out(database_url: str) -> None:
    """A check slower than READINESS_TIMEOUT counts as failed, and /readyz still answers."""
    app = create_app({"READINESS_TIMEOUT": 1, "DATABASE_URL": database_url})
    add_readiness_check(app, "slow", hangs)
    async with app.test_app():
        response = await app.test_client().get("/readyz")
    assert response.status_code == 503
    assert (await response.get_json(force=True))["checks"] == {
        "database": "passed",
        "slow": "timed out",
    }


async def test_a_check_can_say_why_it_is_not_ready(app: Quart) -> None:
    """NotReady("reason") is the one failure whose reason /readyz shows: it is written for it."""

    async def behind() -> None:
        raise NotReady("the cache is still warming up")

    add_readiness_check(app, "cache", behind)
    response = await app.test_client().get("/readyz")
    assert (await response.get_json(force=True))["checks"]["cache"] == (
        "failed: the cache is still warming up"
    )


async def test_draining_fails_readiness_but_not_liveness(app: Quart) -> None:
    """Once shutdown begins /readyz is 503 without running checks; /livez stays 200."""
    add_readiness_check(app, "queue", hangs)
    start_draining(app)
    client = app.test_client()
    response = await client.get("/readyz")
    assert response.status_code == 503
    body = await response.get_json(force=True)
    assert body["failing"] == ["shutdown"]
    assert body["detail"] == "The service is shutting down and takes no new traffic."
    assert (await client.get("/livez")).status_code == 200


async def test_a_view_module_registers_a_check_on_its_blueprint(database_url: str) -> None:
    """add_readiness_check on a Blueprint applies to each app the blueprint is registered on."""
    blueprint = Blueprint("_teams", __name__)
    add_readiness_check(blueprint, "teams-store", says_no)
    first, second = (create_app({"DATABASE_URL": database_url}) for _ in range(2))
    first.register_blueprint(blueprint)
    async with first.test_app(), second.test_app():
        assert (await first.test_client().get("/readyz")).status_code == 503
        assert (await second.test_client().get("/readyz")).status_code == 200


async def test_a_flood_of_probes_costs_one_run_of_the_checks(database_url: str) -> None:
    """40 probes at once run the checks once, on one pooled connection; all are answered."""
    app = create_app({"DATABASE_URL": database_url, "DATABASE_POOL_SIZE": 1})
    runs: list[float] = []

    async def counted() -> None:
        runs.append(asyncio.get_running_loop().time())
        await asyncio.sleep(0.05)

    add_readiness_check(app, "counted", counted)
    async with app.test_app():
        connections: list[object] = []
        engine = app.extensions[database.EXTENSION_KEY].engine
        event.listen(engine.sync_engine, "connect", lambda *_: connections.append(1))
        client = app.test_client()
        answers = await asyncio.gather(*(client.get("/readyz") for _ in range(40)))
    assert [answer.status_code for answer in answers] == [200] * 40
    assert len(runs) == 1
    assert len(connections) <= 1


async def test_a_result_is_reused_only_while_fresh(
    app: Quart, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within FRESH seconds a probe hears the last result; after them the checks run again."""
    monkeypatch.setattr(probes, "FRESH", 0.2)
    runs: list[int] = []

    async def counted() -> None:
        runs.append(1)

    add_readiness_check(app, "counted", counted)
    client = app.test_client()
    await client.get("/readyz")
    await client.get("/readyz")
    assert len(runs) == 1
    await asyncio.sleep(0.25)
    await client.get("/readyz")
    assert len(runs) == 2
