"""The service served for real, as `make serve` runs it, and what it writes; no pytest here.

The test plugin (plugin.py), the benchmark and the tooling start servers through these, with an
environment that none of the developer's shell settings reach.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from ..identity import ENV_PREFIX, SERVICE
from ..settings.loader import SETTINGS_FILE_VARIABLE
from .live_server import LiveServer, free_port

# The source tree: the directory that holds the service's package.
PROJECT = Path(__file__).resolve().parents[3]
# Variables of the developer's shell that would change how a served app behaves.
SERVING_VARIABLES = {SETTINGS_FILE_VARIABLE, "PROMETHEUS_MULTIPROC_DIR", "HOST", "PORT", "WORKERS"}
# What every test's environment holds of the service's: tokens from the `token` fixture open.
TEST_VARIABLES = {f"{ENV_PREFIX}AUTH_DEVELOPMENT_KEY": "true"}


def start_service(
    directory: Path,
    workers: int = 1,
    factory: str | None = None,
    port: int | None = None,
    **settings: object,
) -> LiveServer:
    """Serve as `make serve` does, from `directory`, with `settings` as environment variables.

    `factory` names another app factory, `module:function`, importable from `directory`; `port`
    one to listen on (a server started again where clients know it), a free one by default. The
    server is ready once every worker serves. DRAIN_DELAY is 0 unless given, so that it stops at
    once when told to.
    """
    port = port or free_port()
    environment = clean_environment() | {
        "PYTHONPATH": os.pathsep.join([str(directory), str(PROJECT)]),
        "PORT": str(port),
        "WORKERS": str(workers),
        **{
            f"{ENV_PREFIX}{key}": json.dumps(value)
            for key, value in {"DRAIN_DELAY": 0, **settings}.items()
        },
    }
    command = [sys.executable, "-m", f"{SERVICE}.core.serve", *([factory] if factory else [])]
    return LiveServer.start(
        command,
        port=port,
        cwd=directory,
        env=environment,
        path="/livez",
        ready=lambda server: len(events(server, "worker serving")) >= workers,
    )


def clean_environment() -> dict[str, str]:
    """The environment of this process less a shell's serving variables; the service's as a test's."""
    return {
        **{
            name: value
            for name, value in os.environ.items()
            if not name.startswith(ENV_PREFIX) and name not in SERVING_VARIABLES
        },
        **TEST_VARIABLES,
    }


def events(server: LiveServer, name: str) -> list[dict[str, Any]]:
    """The JSON lines the server wrote whose event is `name`."""
    return [line for line in json_lines(server) if line.get("event") == name]


def json_lines(server: LiveServer) -> list[dict[str, Any]]:
    """Every line the server wrote, parsed; a line that is not JSON becomes {"event": "not JSON"}."""
    parsed = []
    for line in list(server.lines):
        try:
            parsed.append(json.loads(line))
        except ValueError:
            parsed.append({"event": "not JSON", "text": line})
    return parsed
