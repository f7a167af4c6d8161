"""`make fuzz`: serve the service and let schemathesis test every operation its OpenAPI lists.

The production server runs on a free port of 127.0.0.1; schemathesis reads the served
/openapi.json and runs all its checks with a fixed seed, so that a run is reproducible. The exit
status is schemathesis's: non-zero on any failure.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.error import URLError

from scripts.project import ScriptError, argument_parser, package_name

SEED = 20261121
MAX_EXAMPLES = 100
STARTUP_TIMEOUT = 30.0


def main(argv: list[str] | None = None) -> int:
    """Fuzz the served API; the exit status is non-zero on any failure."""
    parser = argument_parser(__doc__)
    parser.add_argument("--max-examples", type=int, default=MAX_EXAMPLES, help="per operation")
    parser.add_argument("--seed", type=int, default=SEED, help="to reproduce another run")
    arguments = parser.parse_args(argv)
    try:
        with serving(arguments.root) as base_url:
            command = schemathesis_command(base_url, arguments.seed, arguments.max_examples)
            print("==> " + " ".join(command), flush=True)
            return subprocess.run(command, check=False).returncode
    except ScriptError as error:
        print(f"make fuzz: {error}", file=sys.stderr)
        return 1


def schemathesis_command(base_url: str, seed: int, max_examples: int) -> list[str]:
    """Every check, on every operation, reproducibly, and leaving no example database behind."""
    return [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{base_url}/openapi.json",
        "--checks=all",
        f"--seed={seed}",
        f"--max-examples={max_examples}",
        "--generation-database=none",
        "--workers=1",
    ]


@contextmanager
def serving(root: Path) -> Iterator[str]:
    """Run the production server of the project in `root` until the block ends; give its URL."""
    package = package_name(root)
    port = _free_port()
    environment = {
        **os.environ,
        "PYTHONPATH": str(root),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WORKERS": "1",
        f"{package.upper()}_API_DOCS": "true",
        f"{package.upper()}_DRAIN_DELAY": "0",
        f"{package.upper()}_LOG_LEVEL": "WARNING",
    }
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", f"{package}.serve"],
            cwd=root,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_live(f"http://127.0.0.1:{port}", server, log)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait()


def _wait_until_live(base_url: str, server: subprocess.Popen[bytes], log: IO[str]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"{base_url}/livez", timeout=1):  # nosec B310  # noqa: S310
                return
        except (URLError, ConnectionError):
            time.sleep(0.1)
    log.seek(0)
    raise ScriptError(f"the server did not start at {base_url}:\n{log.read()}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


if __name__ == "__main__":
    sys.exit(main())
