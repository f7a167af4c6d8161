"""The supervisor of `make serve`, for real: workers, signals, exit statuses, summed metrics."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ...identity import ENV_PREFIX, SERVICE
from ...observability.log_levels import STATE_FILE
from ...observability.metrics import MULTIPROCESS_DIRECTORY_VARIABLE
from ...serve.supervisor import _metrics_directory
from ...testing.live_server import LiveServer
from ...testing.service import events, json_lines, start_service
from .conftest import write_probe_app

# Each test starts servers in processes of their own: make test-servers and test-all run them.
pytestmark = pytest.mark.processes

Serve = Callable[..., LiveServer]


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The probe app served by two workers, shared by the tests that only send requests."""
    directory = tmp_path_factory.mktemp("two-workers")
    server = start_service(directory, 2, write_probe_app(directory))
    yield server
    server.stop(signal.SIGTERM)


def requests_total(server: LiveServer, route: str) -> float:
    """The sum of http_requests_total for `route` over its methods and statuses, from /metrics."""
    status, _, body = server.get("/metrics")
    assert status == 200
    return sum(
        sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if sample.name == "http_requests_total" and sample.labels["route"] == route
    )


def test_metrics_are_summed_over_workers(two_workers: LiveServer) -> None:
    """Requests answered by either worker all count in /metrics, whichever worker serves it."""
    before = requests_total(two_workers, "/pid")
    pids: set[int] = set()
    sent = 0
    while len(pids) < 2 and sent < 500:
        status, _, body = two_workers.get("/pid")
        assert status == 200
        pids.add(json.loads(body)["pid"])
        sent += 1
    assert len(pids) == 2, "one worker answered every request"
    assert requests_total(two_workers, "/pid") == before + sent


def test_served_responses_have_the_plumbing_headers(two_workers: LiveServer) -> None:
    """Over HTTP: a request id, nosniff, no-store, and no server banner."""
    status, headers, body = two_workers.get("/pid")
    assert status == 200
    assert "pid" in json.loads(body)
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    assert "server" not in headers


def test_every_line_written_is_json(two_workers: LiveServer) -> None:
    """With stdout a pipe, the service, the server and the supervisor all write JSON lines."""
    two_workers.get("/pid")
    assert [line for line in json_lines(two_workers) if line["event"] == "not JSON"] == []
    [serving] = events(two_workers, "serving")
    assert serving["workers"] == 2
    assert len(events(two_workers, "worker started")) == 2
    assert any(line.get("route") == "/pid" for line in events(two_workers, "request"))


def test_a_second_signal_cuts_the_drain_short(serve: Serve, probe_app: str) -> None:
    """Ctrl-C twice does not wait out a long DRAIN_DELAY."""
    server = serve(factory=probe_app, DRAIN_DELAY=600)
    server.process.send_signal(signal.SIGINT)
    time.sleep(0.5)
    assert server.stop(signal.SIGINT, timeout=10) == 0


def test_a_worker_that_dies_stops_the_server_with_status_1(serve: Serve, probe_app: str) -> None:
    """A worker killed from outside takes the others down and the server exits 1, not 0."""
    server = serve(workers=2, factory=probe_app, DRAIN_DELAY=30)
    victim, survivor = (int(line["pid"]) for line in events(server, "worker started"))
    os.kill(victim, signal.SIGKILL)
    assert server.wait(timeout=10) == 1
    [failed] = events(server, "worker failed")
    assert (failed["pid"], failed["exitcode"], failed["level"]) == (victim, -9, "error")
    with pytest.raises(ProcessLookupError):
        os.kill(survivor, 0)


@pytest.mark.commands
@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({f"{ENV_PREFIX}DRAIN_DELAY": "soon"}, "DRAIN_DELAY: DRAIN_DELAY must be a whole number"),
        ({"WORKERS": "0"}, "WORKERS must be a whole number of at least 1, not '0'"),
        ({"PORT": "http"}, "PORT must be a whole number from 0 to 65535, not 'http'"),
    ],
)
def test_a_bad_start_is_one_line_and_status_1(
    tmp_path: Path, environment: dict[str, str], message: str
) -> None:
    """Settings and serving mistakes stop the start with one line on stderr and exit status 1."""
    result = subprocess.run(
        [sys.executable, "-m", f"{SERVICE}.core.serve"],
        cwd=tmp_path,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{SERVICE}: cannot start: ")
    assert message in line


@pytest.mark.commands
def test_a_factory_that_is_not_there_stops_the_start(tmp_path: Path) -> None:
    """Naming an app factory that does not exist is one line and status 1 too."""
    result = subprocess.run(
        [sys.executable, "-m", f"{SERVICE}.core.serve", "nowhere:create_app"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"{SERVICE}: cannot start: no app factory 'nowhere:create_app'")


def test_a_named_metrics_directory_is_emptied_of_a_former_servers_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its metrics files and a log level it was told to keep go; other files stay."""
    for name in ("counter_1.db", STATE_FILE, "notes.txt"):
        (tmp_path / name).write_text("{}")
    monkeypatch.setenv(MULTIPROCESS_DIRECTORY_VARIABLE, str(tmp_path))
    directory, made = _metrics_directory(2)
    assert (directory, made) == (tmp_path, False)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]
