"""`python -m myservice.serve`, for real: workers, drain on SIGTERM, bounded shutdown, metrics."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from myservice.tests.serving import REPO, STARTUP_TIMEOUT, Server, start


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The probe app served by two workers, shared by the tests that only send requests."""
    server = start(tmp_path_factory.mktemp("two-workers"), workers=2)
    yield server
    server.process.send_signal(signal.SIGTERM)
    server.exit_status_within(STARTUP_TIMEOUT)


def requests_total(server: Server, route: str) -> float:
    """The sum of http_requests_total for `route` over its methods and statuses, from /metrics."""
    status, _, body = server.get("/metrics")
    assert status == 200
    return sum(
        sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if sample.name == "http_requests_total" and sample.labels["route"] == route
    )


def test_metrics_are_summed_over_workers(two_workers: Server) -> None:
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


def test_served_responses_have_the_plumbing_headers(two_workers: Server) -> None:
    """Over HTTP: a request id, nosniff, no-store, and no server banner."""
    status, headers, body = two_workers.get("/")
    assert status == 200
    assert json.loads(body)["name"] == "myservice"
    lowered = {name.lower(): value for name, value in headers.items()}
    assert re.fullmatch(r"[0-9a-f]{32}", lowered["x-request-id"])
    assert lowered["x-content-type-options"] == "nosniff"
    assert lowered["cache-control"] == "no-store"
    assert "server" not in lowered


def test_every_line_written_is_json(two_workers: Server) -> None:
    """With stdout a pipe, the service, Hypercorn and the supervisor all write JSON lines."""
    two_workers.get("/pid")
    assert two_workers.events("not JSON") == []
    [serving] = two_workers.events("serving")
    assert serving["workers"] == 2
    assert len(two_workers.events("worker started")) == 2
    assert any(line.get("route") == "/pid" for line in two_workers.events("request"))


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_drains_then_finishes_in_flight_requests(
    tmp_path: Path, servers: list[Server], workers: int
) -> None:
    """SIGTERM drains: /readyz 503 at once, the request in flight gets its 200, exit status 0.

    Serving goes on through DRAIN_DELAY; afterwards new connections are refused.
    """
    server = start(tmp_path, workers, DRAIN_DELAY=2, GRACEFUL_TIMEOUT=10)
    servers.append(server)
    assert server.get("/readyz")[0] == 200
    with ThreadPoolExecutor() as pool:
        in_flight: Future[tuple[int, dict[str, str], bytes]] = pool.submit(server.get, "/sleep/4")
        time.sleep(0.5)
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        status, _, body = server.get("/readyz")
        assert status == 503
        assert json.loads(body)["failing"] == ["shutdown"]
        assert server.get("/livez")[0] == 200
        status, _, body = in_flight.result(timeout=30)
    assert (status, json.loads(body)) == (200, {"slept": 4})
    assert server.exit_status_within(2 + 10 + 5) == 0
    assert time.monotonic() - signalled >= 2
    with pytest.raises(ConnectionRefusedError):
        server.get("/livez")
    assert len(server.events("no longer accepting")) == workers
    [stopped] = server.events("stopped")
    assert stopped["exitcode"] == 0


@pytest.mark.parametrize("workers", [1, 2])
def test_requests_past_the_graceful_timeout_are_cancelled(
    tmp_path: Path, servers: list[Server], workers: int
) -> None:
    """A request slower than GRACEFUL_TIMEOUT does not hold the exit: it is cut off, exit 0."""
    server = start(tmp_path, workers, DRAIN_DELAY=0, GRACEFUL_TIMEOUT=1)
    servers.append(server)
    with ThreadPoolExecutor() as pool:
        in_flight = pool.submit(server.get, "/sleep/120")
        time.sleep(0.5)
        server.process.send_signal(signal.SIGTERM)
        assert server.exit_status_within(0 + 1 + 5) == 0
        try:
            status = in_flight.result(timeout=10)[0]
        except (ConnectionError, http.client.HTTPException):
            status = None
    assert status in {500, None}
    [cancelled] = server.events("cancelling requests past the graceful timeout")
    assert cancelled["count"] == 1


def test_a_second_signal_cuts_the_drain_short(tmp_path: Path, servers: list[Server]) -> None:
    """Ctrl-C twice does not wait out a long DRAIN_DELAY."""
    server = start(tmp_path, DRAIN_DELAY=600)
    servers.append(server)
    server.process.send_signal(signal.SIGINT)
    time.sleep(0.5)
    server.process.send_signal(signal.SIGINT)
    assert server.exit_status_within(10) == 0


def test_a_worker_that_dies_stops_the_server_with_status_1(
    tmp_path: Path, servers: list[Server]
) -> None:
    """A worker killed from outside takes the others down and the server exits 1, not 0."""
    server = start(tmp_path, workers=2, DRAIN_DELAY=30)
    servers.append(server)
    victim, survivor = (int(str(line["pid"])) for line in server.events("worker started"))
    os.kill(victim, signal.SIGKILL)
    assert server.exit_status_within(10) == 1
    [failed] = server.events("worker failed")
    assert (failed["pid"], failed["exitcode"], failed["level"]) == (victim, -9, "error")
    with pytest.raises(ProcessLookupError):
        os.kill(survivor, 0)


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"MYSERVICE_DRAIN_DELAY": "soon"}, "MYSERVICE_DRAIN_DELAY: DRAIN_DELAY must be a whole"),
        ({"WORKERS": "0"}, "WORKERS must be a whole number of at least 1, not '0'"),
        ({"PORT": "http"}, "PORT must be a whole number from 0 to 65535, not 'http'"),
    ],
)
def test_a_bad_start_is_one_line_and_status_1(
    tmp_path: Path, environment: dict[str, str], message: str
) -> None:
    """Settings and serving mistakes stop the start with one line on stderr and exit status 1."""
    result = subprocess.run(
        [sys.executable, "-m", "myservice.serve"],
        cwd=tmp_path,
        env={**os.environ, "HYPERCORN_CONFIG": str(REPO / "hypercorn.toml"), **environment},
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("myservice: cannot start: ")
    assert message in line
