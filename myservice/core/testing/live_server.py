"""A real server in a process of its own, on a port of 127.0.0.1: started, waited for, stopped.

The one helper that starts a server and waits until it answers, for the tests, `make fuzz` and
`make bench`. The server's output (stdout and stderr together) goes to a file, as a container
runtime would keep it, rather than through a pipe that this process would have to read as fast
as the server writes: that would take CPU from the server that `make bench` measures.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess  # nosec B404  # it runs the servers the tests and tools ask for
import tempfile
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

STARTUP_TIMEOUT = 30.0


class ServerStartError(Exception):
    """The server exited, or did not answer in time; the message ends with what it wrote."""


def resident_mib(pid: int, proportional: bool = False) -> float:
    """Process `pid`'s resident set size in MiB, from /proc (NaN where there is none).

    `proportional`: its proportional set size, each shared page split between its sharers.
    """
    field = "Pss:" if proportional else "Rss:"
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return float("nan")
    for line in rollup.splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LiveServer:
    """A server process listening on 127.0.0.1:`port`, and the lines it has written so far."""

    def __init__(
        self, command: Sequence[str], port: int, cwd: Path, env: Mapping[str, str]
    ) -> None:
        self.port = port
        directory = tempfile.mkdtemp(prefix="live-server-")
        # The output stays readable as long as this object lives, and goes with it.
        weakref.finalize(self, shutil.rmtree, directory, ignore_errors=True)
        self._output = Path(directory) / "output.log"
        # Opened for appending, so that the server's workers can share it, line by line.
        with self._output.open("ab") as appended:
            self.process = subprocess.Popen(  # noqa: S603  # nosec B603  # the caller's command
                list(command),
                cwd=cwd,
                env=dict(env),
                stdout=appended,
                stderr=subprocess.STDOUT,
                # A group of its own: killing it kills the workers too.
                start_new_session=True,
            )

    @property
    def lines(self) -> list[str]:
        """The lines the server has written so far (stdout and stderr together)."""
        return self._output.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)

    @classmethod
    def start(  # noqa: PLR0913 (options, all keyword-only)
        cls,
        command: Sequence[str],
        *,
        port: int,
        cwd: Path,
        env: Mapping[str, str],
        path: str = "/",
        ready: Callable[[LiveServer], bool] = lambda _server: True,
        timeout: float = STARTUP_TIMEOUT,
    ) -> LiveServer:
        """Start `command` and wait until GET `path` answers and `ready` holds, or raise."""
        server = cls(command, port, cwd, env)
        deadline = time.monotonic() + timeout
        while not (server.answers(path) and ready(server)):
            if server.process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                status = server.process.returncode
                raise ServerStartError(
                    f"{' '.join(command)} did not start on port {port} (exit status {status}):\n"
                    + "".join(server.lines)
                )
            time.sleep(0.05)
        return server

    def answers(self, path: str) -> bool:
        """Whether GET `path` gets any HTTP answer at all."""
        try:
            self.get(path, timeout=1)
        except (OSError, http.client.HTTPException):
            return False
        return True

    def get(
        self, path: str, headers: Mapping[str, str] | None = None, timeout: float = 30
    ) -> tuple[int, dict[str, str], bytes]:
        """GET `path` over a new connection: status, headers (names in lowercase) and body."""
        return self.request("GET", path, headers=headers, timeout=timeout)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request over a new connection: status, headers (names in lowercase), body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            sent = {"Connection": "close", **(headers or {})}
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            received = {name.lower(): value for name, value in response.getheaders()}
            return response.status, received, response.read()
        finally:
            connection.close()

    def stop(self, signal_number: int | None = None, timeout: float = 30) -> int:
        """End the process (killed, unless `signal_number` asks it to stop) and give its status."""
        if signal_number is None:
            self.kill()
        elif self.process.poll() is None:
            self.process.send_signal(signal_number)
        return self.wait(timeout)

    def wait(self, timeout: float = 30) -> int:
        """Wait at most `timeout` seconds for the process to exit and give its status.

        A process still running then is killed, and subprocess.TimeoutExpired raised.
        """
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.kill()

    def kill(self) -> None:
        """Kill the process and every process it started, at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
