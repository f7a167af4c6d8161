"""One structured line per request, tracebacks with the request id, JSON for machines."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from quart import Quart

from ... import create_app
from .. import logs
from ..startup import SERVICE


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        """Yes, a terminal."""
        return True


def logging_to(app: Quart, stream: io.StringIO, log_format: str = "json") -> None:
    """Send the app's log lines to `stream` instead of stdout, in `log_format`."""
    app.config["LOG_FORMAT"] = log_format
    logs.init_app(app, stream)


def json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    """Every line written, each parsed as one JSON object."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def with_item_route(app: Quart) -> Quart:
    """Add GET /items/<int:item_id> and a route that crashes."""

    @app.get("/items/<int:item_id>")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/crash")
    async def crash() -> str:
        raise RuntimeError("boom")

    return app


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
async def test_probes_and_scrapes_log_at_debug_only(path: str) -> None:
    """At INFO the probes write nothing; at DEBUG they are logged like any request."""
    for level, expected in (("INFO", []), ("DEBUG", [("debug", path)])):
        app = create_app({"LOG_LEVEL": level})
        stream = io.StringIO()
        logging_to(app, stream)
        assert (await app.test_client().get(path)).status_code == 200
        assert [(line["level"], line["route"]) for line in json_lines(stream)] == expected


async def test_log_level_setting_silences_request_lines() -> None:
    """With LOG_LEVEL WARNING a successful request writes no line."""
    app = create_app({"LOG_LEVEL": "WARNING"})
    stream = io.StringIO()
    logging_to(app, stream)
    await app.test_client().get("/")
    assert stream.getvalue() == ""


async def test_a_crash_logs_one_line_with_traceback_and_request_id() -> None:
    """The traceback of a 500 is one JSON line that names the request it came from."""
    app = with_item_route(create_app())
    stream = io.StringIO()
    logging_to(app, stream)
    await app.test_client().get("/crash", headers={"X-Request-ID": "bug-7"})
    error, request = json_lines(stream)
    assert error["level"] == "error"
    assert error["logger"] == SERVICE
    assert error["event"] == "Exception on request GET /crash"
    assert error["request_id"] == "bug-7"
    assert 'raise RuntimeError("boom")' in str(error["exception"])
    assert (request["status"], request["request_id"]) == (500, "bug-7")


async def test_no_request_id_leaks_into_the_next_request() -> None:
    """Each request starts with a clean logging context."""
    app = create_app()
    stream = io.StringIO()
    logging_to(app, stream)
    await app.test_client().get("/", headers={"X-Request-ID": "first"})
    await app.test_client().get("/")
    first, second = json_lines(stream)
    assert first["request_id"] == "first"
    assert re.fullmatch(r"[0-9a-f]{32}", str(second["request_id"]))


@pytest.mark.parametrize(
    ("log_format", "stream", "is_json"),
    [
        ("auto", io.StringIO(), True),
        ("auto", Terminal(), False),
        ("json", Terminal(), True),
        ("console", io.StringIO(), False),
    ],
    ids=["auto-pipe", "auto-terminal", "json-terminal", "console-pipe"],
)
async def test_format_follows_the_setting_and_the_terminal(
    log_format: str, stream: io.StringIO, *, is_json: bool
) -> None:
    """Format auto writes JSON to pipes and files, readable lines to terminals; others force one."""
    app = create_app()
    logging_to(app, stream, log_format)
    await app.test_client().get("/", headers={"X-Request-ID": "fmt"})
    [line] = stream.getvalue().splitlines()
    if is_json:
        assert json.loads(line)["request_id"] == "fmt"
    else:
        plain = re.sub(r"\x1b\[[0-9;]*m", "", line)
        assert re.fullmatch(
            r"\d{4}-\d\d-\d\dT[\d:.]+Z \[info +\] request +client=<local> duration_ms=[\d.]+"
            r" method=GET request_id=fmt route=/ status=200",
            plain,
        )
