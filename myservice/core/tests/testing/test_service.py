"""The service served for real from a test, the benchmark or the tooling, and what it writes."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from ...identity import ENV_PREFIX
from ...settings.loader import SETTINGS_FILE_VARIABLE
from ...testing.service import TEST_VARIABLES, clean_environment, events, json_lines, start_service
from ..plumbing import FACTORY

# Each test starts servers in processes of their own: make test-servers and test-all run them.
pytestmark = pytest.mark.processes


def test_a_developers_shell_does_not_reach_a_served_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service's variables, QUART_SETTINGS and the serving ones are left out; PATH is kept."""
    monkeypatch.setenv(f"{ENV_PREFIX}DEBUG", "true")
    monkeypatch.setenv(SETTINGS_FILE_VARIABLE, "elsewhere.yml")
    monkeypatch.setenv("WORKERS", "8")
    environment = clean_environment()
    assert f"{ENV_PREFIX}DEBUG" not in environment
    assert SETTINGS_FILE_VARIABLE not in environment
    assert "WORKERS" not in environment
    assert environment["PATH"] == os.environ["PATH"]
    assert TEST_VARIABLES.items() <= environment.items()


def test_a_service_is_ready_once_every_worker_serves(tmp_path: Path) -> None:
    """start_service returns when each worker has said so, in JSON lines."""
    server = start_service(
        tmp_path, 2, FACTORY, DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/x.db"
    )
    try:
        assert server.get("/livez")[0] == 200
        assert len(events(server, "worker serving")) == 2
        assert all(line["event"] != "not JSON" for line in json_lines(server))
    finally:
        assert server.stop(signal.SIGTERM) == 0
