"""The skeleton's pytest plugin: the fixtures every test of the service can use.

pyproject.toml loads it (`-p <service>.core.testing`), so the service's own conftest.py is the
service's. Each test runs in an empty working directory with none of the service's environment
variables, so that a developer's settings.yml and environment cannot change the results.

- `database_url`: a clean database with the latest schema and no rows, the test's own (SQLite;
  PostgreSQL when TEST_DATABASE_URL names a server, as `make test-servers` does);
- `app`: a fresh app in test mode on that database, serving (its database open) for the test;
- `client`: the app's test client; `spec`: the OpenAPI document it serves;
- `signed_in("refunds:read")`, `token(...)`, `bearer(...)`, `key_server`: callers with tokens
  (testing_callers.py);
- `serve`: starts the production server (`make serve`) for real on the test's database, stopped
  at the end of the test.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from quart import Quart
from quart.typing import TestClientProtocol

from .. import create_app
from .clean_databases import SERVER_VARIABLE, DatabaseServerUnreachable, DatabaseTemplate
from .live_server import LiveServer, free_port
from .settings import SETTINGS_FILE_VARIABLE
from .startup import ENV_PREFIX, SERVICE

# The fixtures of callers and their tokens.
pytest_plugins = [f"{SERVICE}.core.testing_callers"]
# The source tree: the directory that holds the service's package.
PROJECT = Path(__file__).resolve().parents[2]
# Variables of the developer's shell that would change how a served app behaves.
SERVING_VARIABLES = {SETTINGS_FILE_VARIABLE, "PROMETHEUS_MULTIPROC_DIR", "HOST", "PORT", "WORKERS"}
# What every test's environment holds of the service's: tokens from the `token` fixture open.
TEST_VARIABLES = {f"{ENV_PREFIX}AUTH_DEVELOPMENT_KEY": "true"}


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hide the service's variables and QUART_SETTINGS, and work in an empty directory.

    One variable is set instead: the tests sign in with the development key (TEST_VARIABLES).
    """
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX) or name == SETTINGS_FILE_VARIABLE:
            monkeypatch.delenv(name)
    for name, value in TEST_VARIABLES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseTemplate]:
    """The session's migrated template, on SQLite or on TEST_DATABASE_URL's server."""
    server = os.environ.get(SERVER_VARIABLE)
    try:
        template = DatabaseTemplate(tmp_path_factory.mktemp("database"), server)
    except DatabaseServerUnreachable as error:
        pytest.exit(f"{SERVER_VARIABLE} names a server that does not answer: {error}", returncode=1)
    yield template
    template.close()


@pytest.fixture
def database_url(
    database_template: DatabaseTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The URL of this test's own database: the latest schema, no rows."""
    # Not in tmp_path, the test's working directory, which starts empty.
    url = database_template.copy(tmp_path_factory.mktemp("database"))
    yield url
    database_template.drop(url)


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[Quart]:
    """A fresh app in test mode on the test's database, serving for the length of the test."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    async with app.test_app():
        yield app


@pytest.fixture
def client(app: Quart) -> TestClientProtocol:
    """A test client of the app fixture."""
    return app.test_client()


@pytest.fixture
async def spec(client: TestClientProtocol) -> dict[str, Any]:
    """The OpenAPI document the app serves."""
    response = await client.get("/openapi.json")
    if response.status_code != 200:
        pytest.fail(f"/openapi.json answered {response.status_code}: is API_DOCS off?")
    document: dict[str, Any] = await response.get_json()
    return document


@pytest.fixture
def serve(tmp_path: Path, database_url: str) -> Iterator[Callable[..., LiveServer]]:
    """Start the production server with the given settings; any still running are stopped."""
    started: list[LiveServer] = []

    def start(workers: int = 1, factory: str | None = None, **settings: object) -> LiveServer:
        settings = {"DATABASE_URL": database_url, **settings}
        server = start_service(tmp_path, workers, factory, **settings)
        started.append(server)
        return server

    yield start
    for server in started:
        # A signal, not a kill: the workers then save what coverage measured in them.
        server.stop(signal.SIGTERM)


def start_service(
    directory: Path,
    workers: int = 1,
    factory: str | None = None,
    **settings: object,
) -> LiveServer:
    """Serve as `make serve` does, from `directory`, with `settings` as environment variables.

    `factory` names another app factory, `module:function`, importable from `directory`. The
    server is ready once every worker serves. DRAIN_DELAY is 0 unless given, so that it stops at
    once when told to.
    """
    port = free_port()
    environment = clean_environment() | {
        "PYTHONPATH": os.pathsep.join([str(directory), str(PROJECT)]),
        "PORT": str(port),
        "WORKERS": str(workers),
        **{
            f"{ENV_PREFIX}{key}": json.dumps(value)
            for key, value in {"DRAIN_DELAY": 0, **settings}.items()
        },
    }
    command = [sys.executable, "-m", f"{SERVICE}.core.serve", *([factory] if factory else [])]
    return LiveServer.start(
        command,
        port=port,
        cwd=directory,
        env=environment,
        path="/livez",
        ready=lambda server: len(events(server, "worker serving")) >= workers,
    )


def clean_environment() -> dict[str, str]:
    """The environment of this process less a shell's serving variables; the service's as a test's."""
    return {
        **{
            name: value
            for name, value in os.environ.items()
            if not name.startswith(ENV_PREFIX) and name not in SERVING_VARIABLES
        },
        **TEST_VARIABLES,
    }


def events(server: LiveServer, name: str) -> list[dict[str, Any]]:
    """The JSON lines the server wrote whose event is `name`."""
    return [line for line in json_lines(server) if line.get("event") == name]


def json_lines(server: LiveServer) -> list[dict[str, Any]]:
    """Every line the server wrote, parsed; a line that is not JSON becomes {"event": "not JSON"}."""
    parsed = []
    for line in list(server.lines):
        try:
            parsed.append(json.loads(line))
        except ValueError:
            parsed.append({"event": "not JSON", "text": line})
    return parsed
