"""Every line in one shape: tracebacks with the request id, JSON for machines, text for people."""

from __future__ import annotations

import io
import json
import re
import signal
import sys
import time
from pathlib import Path

import pytest
from quart import Quart

from ...http.access import public
from ...identity import ENV_PREFIX, SERVICE
from ...observability import logs
from ...testing.live_server import LiveServer, free_port
from ...testing.service import PROJECT, clean_environment
from ..plumbing import create_app


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
    @public
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/crash")
    @public
    async def crash() -> str:
        raise RuntimeError("boom")

    return app


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


@pytest.mark.commands
def test_quart_run_writes_one_line_per_request_too(tmp_path: Path) -> None:
    """Under `quart run` Hypercorn would add an access line of its own; only the service's is left."""
    port = free_port()
    command = [sys.executable, "-m", "quart", "run", "--port", str(port)]
    environment = clean_environment() | {
        "PYTHONPATH": str(PROJECT),
        "QUART_APP": SERVICE,
        f"{ENV_PREFIX}LOG_FORMAT": "json",
    }
    server = LiveServer.start(command, port=port, cwd=tmp_path, env=environment, path="/livez")
    try:
        assert server.get("/nowhere")[0] == 404
        time.sleep(0.2)
    finally:
        server.stop(signal.SIGINT)
    about_it = [line for line in server.lines if "nowhere" in line or "unmatched" in line]
    assert len(about_it) == 1, about_it
    assert json.loads(about_it[0])["route"] == "unmatched"
