"""`make fuzz`: serve the service and let schemathesis test every operation its OpenAPI lists.

The production server runs on a free port of 127.0.0.1; schemathesis reads the served
/openapi.json and runs all its checks with a fixed seed, so that a run is reproducible. It sends
a token of the development key granting every scope the document names, so that the protected
operations are fuzzed past their gate. The exit status is schemathesis's: non-zero on any
failure.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from myservice.core.testing.live_server import LiveServer, ServerStartError, free_port
from scripts.project import ScriptError, argument_parser, package_name, run_python

SEED = 20261121
MAX_EXAMPLES = 100


def main(argv: list[str] | None = None) -> int:
    """Fuzz the served API; the exit status is non-zero on any failure."""
    parser = argument_parser(__doc__)
    parser.add_argument("--max-examples", type=int, default=MAX_EXAMPLES, help="per operation")
    parser.add_argument("--seed", type=int, default=SEED, help="to reproduce another run")
    arguments = parser.parse_args(argv)
    try:
        with serving(arguments.root) as (base_url, token), tempfile.TemporaryDirectory() as temp:
            configuration = Path(temp) / "schemathesis.toml"
            configuration.write_text(CONFIGURATION)
            command = schemathesis_command(
                base_url, arguments.seed, arguments.max_examples, configuration
            )
            command += ["--header", f"Authorization: Bearer {token}"]
            print("==> " + " ".join(command), flush=True)
            return subprocess.run(command, check=False).returncode
    except ScriptError as error:
        print(f"make fuzz: {error}", file=sys.stderr)
        return 1


# A request the schema allows may still be refused as the data stands: schemathesis expects a
# 404 or a 409 then, and here also a 412, for an If-Match naming a version the item is not at;
# and on a POST a 422, for an Idempotency-Key it sends again with another body.
ACCEPTED = '"2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx"'
# A gateway answer (502, 503, 504) tells of a downstream the fuzz does not serve, not of a fault
# of this service: no failure, where the operation documents it (status_code_conformance holds
# it to the document). A 500 always fails.
CONFIGURATION = f"""\
[checks.not_a_server_error]
expected-statuses = ["2xx", "3xx", "4xx", "502", "503", "504"]

[checks.positive_data_acceptance]
expected-statuses = [{ACCEPTED}]

[[operations]]
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = [{ACCEPTED}, "422"]
"""


def schemathesis_command(
    base_url: str, seed: int, max_examples: int, configuration: Path
) -> list[str]:
    """Every check, on every operation, reproducibly, and leaving no example database behind.

    `configuration` is the file CONFIGURATION is written to.
    """
    return [
        str(Path(sys.executable).parent / "schemathesis"),
        f"--config-file={configuration}",
        "run",
        f"{base_url}/openapi.json",
        "--checks=all",
        f"--seed={seed}",
        f"--max-examples={max_examples}",
        "--generation-database=none",
        "--workers=1",
    ]


@contextmanager
def serving(root: Path) -> Iterator[tuple[str, str]]:
    """Run the production server of the project in `root` until the block ends.

    Give its URL, and a token granting every scope of its document. It serves a database of its
    own, migrated first, so that fuzzing writes nothing that lasts, and signs in with the
    development key.
    """
    package = package_name(root)
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        settings = {
            f"{package.upper()}_API_DOCS": "true",
            f"{package.upper()}_AUTH_DEVELOPMENT_KEY": "true",
            f"{package.upper()}_DATABASE_URL": f"sqlite+aiosqlite:///{Path(scratch) / 'fuzz.db'}",
            f"{package.upper()}_DRAIN_DELAY": "0",
            f"{package.upper()}_LOG_LEVEL": "WARNING",
        }
        migrated = run_python(root, "-m", "quart", "db", "upgrade", env=settings)
        if migrated.returncode != 0:
            raise ScriptError(f"the server did not start: {migrated.stderr.strip()}")
        environment = {
            **os.environ,
            **settings,
            "PYTHONPATH": str(root),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WORKERS": "1",
        }
        command = [sys.executable, "-m", f"{package}.core.serve"]
        try:
            server = LiveServer.start(command, port=port, cwd=root, env=environment, path="/livez")
        except ServerStartError as error:
            raise ScriptError(f"the server did not start: {error}") from None
        try:
            yield f"http://127.0.0.1:{port}", token_for(root, server, settings)
        finally:
            server.stop(signal.SIGTERM)


def token_for(root: Path, server: LiveServer, settings: dict[str, str]) -> str:
    """A development token granting every scope an operation of the served document requires."""
    _, _, body = server.get("/openapi.json")
    scopes = {
        scope
        for operations in json.loads(body)["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict)  # not a path's shared `parameters`
        for requirement in operation.get("security", [])
        for granted in requirement.values()
        for scope in granted
    }
    minted = run_python(
        root, "-m", "quart", "token", "--scopes", " ".join(sorted(scopes)), env=settings
    )
    if minted.returncode != 0:
        raise ScriptError(f"no token to fuzz with: {minted.stderr.strip()}")
    return minted.stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
