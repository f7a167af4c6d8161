"""The skeleton's pytest plugin: the fixtures every test of the service can use.

pyproject.toml loads it (`-p <service>.core.testing.plugin`), so the service's own conftest.py is the
service's. Each test runs in an empty working directory with none of the service's environment
variables, so that a developer's settings.yml and environment cannot change the results.

- `database_url`: a clean database with the latest schema and no rows, the test's own (SQLite;
  PostgreSQL when TEST_DATABASE_URL names a server, as `make test-servers` does);
- `app`: a fresh app in test mode on that database, serving (its database open) for the test;
- `client`: the app's test client; `spec`: the OpenAPI document it serves;
- `signed_in("refunds:read")`, `token(...)`, `bearer(...)`, `key_server`: callers with tokens
  (callers.py);
- `serve`: starts the production server (`make serve`) for real on the test's database, stopped
  at the end of the test.
"""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from quart import Quart
from quart.typing import TestClientProtocol

from ... import create_app
from ..http.service import service_of
from ..identity import ENV_PREFIX, SERVICE
from ..settings.loader import SETTINGS_FILE_VARIABLE
from .clean_databases import SERVER_VARIABLE, DatabaseServerUnreachable, DatabaseTemplate
from .live_server import LiveServer
from .service import TEST_VARIABLES, start_service

# The marks of the slower tests, which `make test` leaves to `make test-servers` and `test-all`.
SLOWER_MARKS = ("processes", "commands", "browser")
KIND_OF_MARK = {
    "processes": "start servers",
    "commands": "run commands",
    "browser": "drive a browser",
}
# The fixtures of callers and their tokens.
pytest_plugins = [f"{SERVICE}.core.testing.callers"]
# Examples per property test: a few in make test's loop, more in test-servers and test-all.
hypothesis.settings.register_profile("quick", max_examples=50)
hypothesis.settings.register_profile("thorough", max_examples=300)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `processes` every test that starts the production server with the `serve` fixture.

    Such a test takes seconds where others take milliseconds: `make test` leaves them to
    `make test-servers` and `make test-all`, to keep the loop a developer runs short.
    """
    for item in items:
        if "serve" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.processes)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    """Say which tests a run's marks left out, and what runs them: none is left out silently."""
    left_out = [mark for mark in SLOWER_MARKS if f"not {mark}" in (config.option.markexpr or "")]
    if not left_out:
        return
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        terminalreporter.write_line("No test ran: those asked for may all be of the kinds below.")
    kinds = [KIND_OF_MARK[mark] for mark in left_out]
    what = " or ".join([", ".join(kinds[:-1]), kinds[-1]] if len(kinds) > 1 else kinds)
    runners = (
        "make test-servers and make test-all run them"
        if "processes" in left_out
        else "make test-all runs them"
    )
    terminalreporter.write_line(
        f"Left out, as marked {', '.join(left_out)}: the tests that {what}. {runners}"
        " (PYTEST_ARGS too)."
    )


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
        migrations = service_of(create_app()).migrations
        template = DatabaseTemplate(tmp_path_factory.mktemp("database"), migrations, server)
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

    def start(
        workers: int = 1, factory: str | None = None, port: int | None = None, **settings: object
    ) -> LiveServer:
        settings = {"DATABASE_URL": database_url, **settings}
        server = start_service(tmp_path, workers, factory, port, **settings)
        started.append(server)
        return server

    yield start
    for server in started:
        # A signal, not a kill: the workers then save what coverage measured in them.
        server.stop(signal.SIGTERM)
