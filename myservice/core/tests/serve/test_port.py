"""`make run` names a port that is taken, and the way out, in one line."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from ...identity import SERVICE
from ...serve.port import check_free


def test_a_free_port_passes() -> None:
    """Nothing listens on the port the system just handed out: the check returns."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
    check_free("127.0.0.1", port)


def test_a_port_another_server_holds_is_one_line_naming_it() -> None:
    """A listening socket on the port: exit with the address, the reason and the PORT to use."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with pytest.raises(SystemExit) as stopped:
            check_free("127.0.0.1", port)
    message = str(stopped.value)
    assert message.startswith(f"cannot serve on 127.0.0.1:{port}: Address already in use.")
    assert message.endswith(f"make run PORT={port + 1}")


@pytest.mark.commands
def test_the_command_exits_1_with_the_line_and_no_traceback() -> None:
    """As make run calls it: status 1, the line on stderr, no traceback."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", f"{SERVICE}.core.serve.port", "127.0.0.1", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert done.returncode == 1
    assert done.stderr.strip().startswith(f"cannot serve on 127.0.0.1:{port}")
    assert "Traceback" not in done.stderr
