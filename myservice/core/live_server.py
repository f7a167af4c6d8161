"""A real server in a process of its own, on a port of 127.0.0.1: started, waited for, stopped.

The one helper that starts a server and waits until it answers, for the tests, `make fuzz` and
`make bench`. The server's output (stdout and stderr together) is collected line by line.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

STARTUP_TIMEOUT = 30.0


class ServerStartError(Exception):
    """The server exited, or did not answer in time; the message ends with what it wrote."""


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
        self.lines: list[str] = []
        self.process = subprocess.Popen(  # noqa: S603 (the caller's own command, no shell)
            list(command),
            cwd=cwd,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # A group of its own: killing it kills the workers too, which hold the output pipe.
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._collect, daemon=True)
        self._reader.start()

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
            self._reader.join()

    def kill(self) -> None:
        """Kill the process and every process it started, at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def _collect(self) -> None:
        assert self.process.stdout is not None  # nosec B101  # noqa: S101 (stdout is a pipe)
        with self.process.stdout:
            for line in self.process.stdout:
                self.lines.append(line)
