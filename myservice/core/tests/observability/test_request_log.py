"""The request log: one line per request, with its facts, at the level its view asks for."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.datastructures import Headers

from ..plumbing import create_app
from .test_logs import json_lines, logging_to, with_item_route


async def test_each_request_is_one_json_line_with_its_facts() -> None:
    """The line has time, level, request id, method, URL rule, status, duration and client."""
    app = with_item_route(create_app())
    stream = io.StringIO()
    logging_to(app, stream)
    response = await app.test_client().get("/items/42", headers={"X-Request-ID": "r-1"})
    assert response.status_code == 200
    [line] = json_lines(stream)
    assert line == {
        "event": "request",
        "level": "info",
        "timestamp": line["timestamp"],
        "request_id": "r-1",
        "method": "GET",
        "route": "/items/<int:item_id>",
        "status": 200,
        "duration_ms": line["duration_ms"],
        "client": "<local>",
    }
    logged_at = datetime.fromisoformat(str(line["timestamp"]).replace("Z", "+00:00"))
    assert abs(datetime.now(UTC) - logged_at) < timedelta(minutes=1)
    assert isinstance(line["duration_ms"], float)
    assert 0 <= line["duration_ms"] < 60_000


async def test_unmatched_paths_share_one_route_name() -> None:
    """A path no rule matches is logged as `unmatched`, never as the path the client sent."""
    app = create_app()
    stream = io.StringIO()
    logging_to(app, stream)
    await app.test_client().get("/wp-admin/setup.php")
    await app.test_client().open("/", method="BREW")  # type: ignore[call-arg]  # json has a default
    first, second = json_lines(stream)
    assert (first["route"], first["status"]) == ("unmatched", 404)
    assert (second["method"], second["status"]) == ("other", 405)


@pytest.mark.parametrize("path", ["/livez", "/healthz", "/readyz", "/metrics"])
async def test_probes_and_scrapes_log_at_debug_only(database_url: str, path: str) -> None:
    """At INFO the probes write nothing; at DEBUG they are logged like any request."""
    for level, expected in (("INFO", []), ("DEBUG", [("debug", path)])):
        app = create_app({"LOG_LEVEL": level, "DATABASE_URL": database_url})
        stream = io.StringIO()
        logging_to(app, stream)
        async with app.test_app():
            assert (await app.test_client().get(path)).status_code == 200
        requests = [line for line in json_lines(stream) if line["event"] == "request"]
        assert [(line["level"], line["route"]) for line in requests] == expected


async def test_log_level_setting_silences_request_lines() -> None:
    """With LOG_LEVEL WARNING a successful request writes no line."""
    app = create_app({"LOG_LEVEL": "WARNING"})
    stream = io.StringIO()
    logging_to(app, stream)
    await app.test_client().get("/")
    assert stream.getvalue() == ""


async def test_the_client_is_read_across_every_forwarded_line() -> None:
    """Behind a trusted proxy that adds its own line, the log names the client it saw."""
    app = create_app({"TRUSTED_PROXIES": ["10.0.0.0/8"]})
    stream = io.StringIO()
    logging_to(app, stream)
    lines = Headers([("X-Forwarded-For", "198.51.100.66"), ("X-Forwarded-For", "192.0.2.1")])
    await app.test_client().get("/", headers=lines, scope_base={"client": ("10.0.0.5", 40000)})
    [line] = json_lines(stream)
    assert line["client"] == "192.0.2.1"
