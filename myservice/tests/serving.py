"""A real `python -m myservice.serve` in a process of its own, for the tests that need one."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from myservice.settings import ENV_PREFIX, SETTINGS_FILE_VARIABLE

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 30

# An app factory with routes the tests need: a request that takes a while, and the worker's pid.
PROBE_APP = """
import asyncio
import os

from myservice import create_app as create_service


def create_app():
    app = create_service()

    @app.get("/sleep/<int:seconds>")
    async def sleep(seconds):
        await asyncio.sleep(seconds)
        return {"slept": seconds}

    @app.get("/pid")
    async def pid():
        return {"pid": os.getpid()}

    return app
"""


@dataclass
class Server:
    """A running `python -m myservice.serve` and the JSON lines it has written so far."""

    process: subprocess.Popen[str]
    lines: list[dict[str, object]] = field(default_factory=list)
    port: int = 0
    reader: threading.Thread | None = None

    def events(self, name: str) -> list[dict[str, object]]:
        """The log lines whose event is `name`."""
        return [line for line in list(self.lines) if line.get("event") == name]

    def get(self, path: str, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
        """GET `path` over a new connection: status, headers and body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path, headers={"Connection": "close"})
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def exit_status_within(self, seconds: float) -> int:
        """Wait at most `seconds` for the process to exit; fail the test if it does not."""
        try:
            status = self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(f"the server did not exit within {seconds} s")
        self.stop()
        return status

    def stop(self) -> None:
        """Kill the process if it still runs, and read the last of its output."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.reader is not None:
            self.reader.join()


def start(directory: Path, workers: int = 1, **settings: object) -> Server:
    """Serve the probe app from `directory` on a free port and wait until every worker listens."""
    (directory / "probe_app.py").write_text(PROBE_APP)
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(ENV_PREFIX)
        and name not in {SETTINGS_FILE_VARIABLE, "PROMETHEUS_MULTIPROC_DIR", "HOST", "PORT"}
    }
    environment |= {
        "PYTHONPATH": os.pathsep.join([str(directory), str(REPO)]),
        "HYPERCORN_CONFIG": str(REPO / "hypercorn.toml"),
        "HOST": "127.0.0.1",
        "PORT": "0",
        "WORKERS": str(workers),
        **{f"{ENV_PREFIX}{key}": json.dumps(value) for key, value in settings.items()},
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "myservice.serve", "probe_app:create_app"],
        cwd=directory,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Server(process)
    server.reader = threading.Thread(target=_collect_lines, args=(server,), daemon=True)
    server.reader.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while len(listening := server.events("Running on")) < workers:
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            pytest.fail(f"the server did not start: {server.lines}")
        time.sleep(0.05)
    server.port = int(str(listening[0]["port"]))
    return server


def _collect_lines(server: Server) -> None:
    assert server.process.stdout is not None
    with server.process.stdout:
        for text in server.process.stdout:
            server.lines.append(_parsed(text))


def _parsed(text: str) -> dict[str, object]:
    try:
        line: dict[str, object] = json.loads(text)
    except ValueError:
        return {"event": "not JSON", "text": text}
    # Hypercorn's "Running on http://127.0.0.1:<port> (CTRL + C to quit)", made searchable.
    found = re.match(r"Running on http://127\.0\.0\.1:(\d+) ", str(line.get("event")))
    if found:
        return {**line, "event": "Running on", "port": int(found.group(1))}
    return line
