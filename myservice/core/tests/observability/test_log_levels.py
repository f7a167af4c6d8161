"""GET and PUT /log-level: a running service logs at another level for a while, in every worker."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import structlog

from ... import ServiceApp
from ...observability import logs
from ...observability.log_levels import STATE_FILE, Change, LogLevels, _write
from ...testing.live_server import LiveServer
from ..plumbing import create_app


def operator(token: Callable[..., str], *scopes: str) -> dict[str, str]:
    """The header of a token granting `scopes` (the operator's by default)."""
    return {"Authorization": f"Bearer {token(*(scopes or ('operator',)), subject='ann')}"}


def logged(lines: io.StringIO) -> list[dict[str, object]]:
    """The lines written so far, parsed."""
    return [json.loads(line) for line in lines.getvalue().splitlines()]


async def test_an_operator_turns_debug_on_for_a_while(token: Callable[..., str]) -> None:
    """PUT: the level in force at once, until a time; the change logged with who made it."""
    app = create_app({"TESTING": True, "LOG_FORMAT": "json"})
    lines = io.StringIO()
    logs.init_app(app, lines)
    async with app.test_app():
        client = app.test_client()
        before = await client.get("/log-level", headers=operator(token))
        assert await before.get_json() == {"level": "INFO", "configured": "INFO", "until": None}
        structlog.get_logger("probe").debug("before the change")
        changed = await client.put(
            "/log-level", json={"level": "DEBUG", "minutes": 5}, headers=operator(token)
        )
        structlog.get_logger("probe").debug("after the change")
    assert changed.status_code == 200
    answer = await changed.get_json()
    assert (answer["level"], answer["configured"]) == ("DEBUG", "INFO")
    until = time.mktime(time.strptime(answer["until"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert 4 * 60 < until - time.time() <= 5 * 60
    events = [line["event"] for line in logged(lines)]
    assert "before the change" not in events
    assert "after the change" in events
    [change] = [line for line in logged(lines) if line["event"] == "log level changed"]
    assert (change["to"], change["subject"], change["minutes"]) == ("DEBUG", "ann", 5)


@pytest.mark.parametrize(
    ("scopes", "body", "status"),
    [
        (None, {"level": "DEBUG"}, 401),
        (("refunds:read",), {"level": "DEBUG"}, 403),
        (("operator",), {"level": "LOUD"}, 422),
        (("operator",), {"level": "DEBUG", "minutes": 0}, 422),
        (("operator",), {"level": "DEBUG", "minutes": 24 * 60 + 1}, 422),
    ],
)
async def test_only_an_operator_changes_it_and_only_to_a_level(
    token: Callable[..., str], scopes: tuple[str, ...] | None, body: dict[str, object], status: int
) -> None:
    """No token, another scope, no such level, no time or more than a day: refused."""
    app = create_app({"TESTING": True})
    headers = operator(token, *scopes) if scopes else {}
    async with app.test_app():
        response = await app.test_client().put("/log-level", json=body, headers=headers)
    assert response.status_code == status


async def test_a_change_ends_by_itself(tmp_path: Path) -> None:
    """Past its end, the configured level is back, and the return is logged."""
    app = create_app({"TESTING": True, "LOG_FORMAT": "json"})
    lines = io.StringIO()
    logs.init_app(app, lines)
    shared = tmp_path / STATE_FILE
    levels = LogLevels(app, shared)
    _write(shared, Change("DEBUG", time.time() + 0.3))
    await levels.follow()
    assert levels.now().level == "DEBUG"
    await asyncio.sleep(0.4)
    await levels.follow()
    assert levels.now().level == "INFO"
    restored = [line for line in logged(lines) if line["event"] == "log level restored"]
    assert [(line["to"], line["level"]) for line in restored] == [("INFO", "warning")]


def test_without_a_way_to_check_tokens_there_is_no_such_route() -> None:
    """No identity provider and the development key not allowed: not served, so no refusal."""
    app: ServiceApp = create_app({"AUTH_DEVELOPMENT_KEY": False})
    assert not [rule for rule in app.url_map.iter_rules() if rule.rule == "/log-level"]


def test_every_worker_takes_the_change_up_within_a_second(
    serve: Callable[..., LiveServer], token: Callable[..., str]
) -> None:
    """Two workers: a PUT reaches one; a second later each answers GET with the new level."""
    server = serve(workers=2)
    status, _, _ = server.request(
        "PUT",
        "/log-level",
        json.dumps({"level": "WARNING", "minutes": 1}).encode(),
        {**operator(token), "Content-Type": "application/json"},
    )
    assert status == 200
    time.sleep(1.0)
    seen = set()
    for _ in range(30):
        _, _, body = server.get("/log-level", operator(token))
        seen.add(json.loads(body)["level"])
    assert seen == {"WARNING"}


# A logger kept at module level, as core's and a team's modules keep theirs.
KEPT = structlog.get_logger("kept")


async def test_a_logger_kept_at_module_level_follows_the_change_both_ways(
    token: Callable[..., str],
) -> None:
    """Used before the change, it logs DEBUG during it, and not after the return."""
    app = create_app({"TESTING": True, "LOG_FORMAT": "json"})
    lines = io.StringIO()
    logs.init_app(app, lines)
    levels = LogLevels(app, None)
    KEPT.info("before")
    levels.set("DEBUG", 1, "ann")
    KEPT.debug("during")
    levels._change = None  # the change has ended, as at its time
    levels.now()
    KEPT.debug("after")
    events = [line["event"] for line in logged(lines)]
    assert "during" in events
    assert "after" not in events


async def test_a_change_to_error_and_back_is_logged_both_ways() -> None:
    """The lines go out under the more talkative level: before going up, after coming down."""
    app = create_app({"TESTING": True, "LOG_FORMAT": "json"})
    lines = io.StringIO()
    logs.init_app(app, lines)
    levels = LogLevels(app, None)
    levels.set("ERROR", 1, "ann")
    levels._change = None
    levels.now()
    said = [(line["event"], line["to"]) for line in logged(lines) if "to" in line]
    assert said == [("log level changed", "ERROR"), ("log level restored", "INFO")]
