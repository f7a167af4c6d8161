"""A worker of `make serve`, for real: the drain, the requests in flight, the graceful timeout."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from ...identity import SERVICE
from ...testing.live_server import LiveServer
from ...testing.service import PROJECT, clean_environment, events
from .conftest import write_probe_app

# Each test starts servers in processes of their own: make test-servers and test-all run them.
pytestmark = pytest.mark.processes

Serve = Callable[..., LiveServer]


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_drains_then_finishes_in_flight_requests(
    serve: Serve, probe_app: str, workers: int
) -> None:
    """SIGTERM drains: /readyz 503 at once, the request in flight gets its 200, exit status 0.

    Serving goes on through DRAIN_DELAY; afterwards new connections are refused. Every worker
    drains, whichever has the request; one serving alone drains the same way.
    """
    server = serve(workers, probe_app, DRAIN_DELAY=1, GRACEFUL_TIMEOUT=10)
    assert server.get("/readyz")[0] == 200
    with ThreadPoolExecutor() as pool:
        in_flight: Future[tuple[int, dict[str, str], bytes]] = pool.submit(server.get, "/sleep/1.5")
        time.sleep(0.3)
        signalled = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        status, _, body = server.get("/readyz")
        assert status == 503
        assert json.loads(body)["failing"] == ["shutdown"]
        assert server.get("/livez")[0] == 200
        status, _, body = in_flight.result(timeout=30)
    assert (status, json.loads(body)) == (200, {"slept": 1.5})
    assert server.wait(timeout=1 + 10 + 5) == 0
    assert time.monotonic() - signalled >= 1
    with pytest.raises(ConnectionRefusedError):
        server.get("/livez")
    assert len(events(server, "no longer accepting")) == workers
    [stopped] = events(server, "stopped")
    assert stopped["exitcode"] == 0


def test_requests_past_the_graceful_timeout_are_cancelled(serve: Serve, probe_app: str) -> None:
    """A request slower than GRACEFUL_TIMEOUT does not hold the exit: it is cut off, exit 0."""
    server = serve(1, probe_app, DRAIN_DELAY=0, GRACEFUL_TIMEOUT=1)
    with ThreadPoolExecutor() as pool:
        in_flight = pool.submit(server.get, "/sleep/120.0")
        time.sleep(0.3)
        server.process.send_signal(signal.SIGTERM)
        assert server.wait(timeout=0 + 1 + 5) == 0
        try:
            status: int | None = in_flight.result(timeout=10)[0]
        except (ConnectionError, http.client.HTTPException):
            status = None
    assert status in {500, None}
    [cancelled] = events(server, "Cancel 1 running task(s), timeout graceful shutdown exceeded")
    assert cancelled["level"] == "error"
    [line] = [
        line for line in events(server, "request") if line["route"] == "/sleep/<float:seconds>"
    ]
    assert (line["status"], line["reason"]) == (499, "the worker stopped first")


def test_a_client_that_hangs_up_is_logged_as_a_hang_up(serve: Serve, probe_app: str) -> None:
    """Gone before its answer, the request is cancelled and logged 499, the client's doing."""
    server = serve(1, probe_app)
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        connection.sendall(b"GET /sleep/30.0 HTTP/1.1\r\nHost: test\r\n\r\n")
        time.sleep(0.5)
    deadline = time.monotonic() + 10
    while not (lines := [line for line in events(server, "request") if line["status"] == 499]):
        assert time.monotonic() < deadline, "no line for the request whose client hung up"
        time.sleep(0.1)
    [line] = lines
    assert (line["route"], line["reason"]) == (
        "/sleep/<float:seconds>",
        "the client closed the connection",
    )
    assert line["level"] == "info"
    _, _, metrics = server.get("/metrics")
    assert b'status="499"' in metrics


def test_one_worker_serves_alone_with_no_supervisor(serve: Serve, probe_app: str) -> None:
    """WORKERS=1 is one process: it answers itself, and has no child process."""
    server = serve(1, probe_app)
    status, _, body = server.get("/pid")
    assert (status, json.loads(body)) == (200, {"pid": server.process.pid})
    pid = server.process.pid
    assert Path(f"/proc/{pid}/task/{pid}/children").read_text().split() == []
    [serving] = events(server, "serving")
    assert (serving["workers"], serving["pid"]) == (1, pid)


def test_serving_alone_past_the_shutdown_bound_exits_1(serve: Serve, probe_app: str) -> None:
    """A shutdown that hangs does not hold the process: past the bound it exits 1, and says so."""
    server = serve(1, probe_app, DRAIN_DELAY=0, GRACEFUL_TIMEOUT=1)
    assert server.request("POST", "/hang-at-shutdown")[0] == 200
    server.process.send_signal(signal.SIGTERM)
    assert server.wait(timeout=0 + 1 + 5 + 5) == 1
    [overdue] = events(server, "did not stop in time; exiting")
    assert (overdue["level"], overdue["pid"]) == ("error", server.process.pid)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_start_that_fails_exits_1_saying_why(tmp_path: Path, workers: int) -> None:
    """An app whose start-up fails stops the server with status 1, alone or supervised."""
    factory = write_probe_app(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", f"{SERVICE}.core.serve", factory],
        cwd=tmp_path,
        env={
            **clean_environment(),
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(PROJECT)]),
            "PORT": "0",
            "WORKERS": str(workers),
            "PROBE_FAILS_TO_START": "1",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "cannot start: the probe was told to fail" in done.stdout + done.stderr
