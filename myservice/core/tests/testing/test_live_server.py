"""The real-server helper: it waits until a server answers, says why one did not, and cleans up."""

from __future__ import annotations

import math
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ...testing.live_server import LiveServer, ServerStartError, free_port, resident_mib

# Each test starts servers in processes of their own: make test-servers and test-all run them.
pytestmark = pytest.mark.processes

# A server that starts a child process of its own, as the production server starts workers.
PARENT_OF_A_CHILD = textwrap.dedent(
    """
    import subprocess, sys
    from http.server import HTTPServer, SimpleHTTPRequestHandler
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    print(f"child {child.pid}", flush=True)
    HTTPServer(("127.0.0.1", int(sys.argv[1])), SimpleHTTPRequestHandler).serve_forever()
    """
)


def start(tmp_path: Path, program: str, **options: object) -> LiveServer:
    """Run `program` with Python as a server on a free port, given as its first argument."""
    script = tmp_path / "server.py"
    script.write_text(program)
    port = free_port()
    command = [sys.executable, str(script), str(port)]
    return LiveServer.start(command, port=port, cwd=tmp_path, env=os.environ, **options)  # type: ignore[arg-type]


def test_it_returns_once_the_server_answers(tmp_path: Path) -> None:
    """start() comes back with a server that answers, and its answers name headers in lowercase."""
    server = start(tmp_path, PARENT_OF_A_CHILD)
    try:
        status, headers, _ = server.get("/")
    finally:
        server.stop()
    assert status == 200
    assert "content-type" in headers


def test_killing_it_kills_the_processes_it_started(tmp_path: Path) -> None:
    """A server's workers die with it, so no test leaves processes or a busy port behind."""
    server = start(tmp_path, PARENT_OF_A_CHILD)
    child = int(next(line for line in server.lines if line.startswith("child")).split()[1])
    server.stop()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _running(child):
        time.sleep(0.05)
    assert not _running(child)


def test_a_server_that_exits_is_reported_with_its_output(tmp_path: Path) -> None:
    """A server that exits before it answers raises, with its exit status and what it wrote."""
    with pytest.raises(ServerStartError) as failed:
        start(tmp_path, "import sys; print('no such setting'); sys.exit(3)")
    assert "(exit status 3)" in str(failed.value)
    assert str(failed.value).endswith("no such setting\n")


def test_a_server_that_never_answers_is_given_up_on(tmp_path: Path) -> None:
    """A server that does not listen within the timeout raises instead of hanging the caller."""
    with pytest.raises(ServerStartError, match="did not start"):
        start(tmp_path, "import time; time.sleep(60)", timeout=0.5)


def test_it_waits_for_what_the_caller_calls_ready(tmp_path: Path) -> None:
    """Answering is not enough when the caller waits for more, such as every worker's banner."""
    with pytest.raises(ServerStartError, match="did not start"):
        start(tmp_path, PARENT_OF_A_CHILD, ready=lambda _server: False, timeout=0.5)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") < 0


def test_resident_memory_is_read_from_proc() -> None:
    """The running test has a resident size of some MiB, its proportional share no more.

    A process that is gone has neither.
    """
    assert 1 < resident_mib(os.getpid(), proportional=True) <= resident_mib(os.getpid()) < 10_000
    assert math.isnan(resident_mib(2**22 + 1))
