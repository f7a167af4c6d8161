"""The factory: a new, independent app per call, none at import, servable by any ASGI server."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ... import create_app, views
from ..discovery import discover_blueprints
from ..identity import ENV_PREFIX, SERVICE
from ..testing.live_server import LiveServer, free_port
from ..testing.service import clean_environment

HYPERCORN = str(Path(sys.executable).with_name("hypercorn"))


def test_an_app_is_not_in_test_mode_unless_asked() -> None:
    """create_app() with no overrides is the production app; the test fixture's is in test mode."""
    assert not create_app().testing
    assert create_app({"TESTING": True}).testing


def test_each_call_builds_a_new_independent_app() -> None:
    """Two apps share no settings: changing one leaves the other as it was."""
    first = create_app({"DEBUG": True})
    second = create_app()
    first.config["BODY_TIMEOUT"] = 99
    assert first is not second
    assert first.debug
    assert not second.debug
    assert second.config["BODY_TIMEOUT"] == 30


@pytest.mark.commands
def test_importing_the_package_builds_no_app() -> None:
    """Importing the package creates no app: the factory is the only place one is made."""
    probe = (
        f"import gc, {SERVICE}, quart;"
        " print(any(isinstance(o, quart.Quart) for o in gc.get_objects()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app served by plain Hypercorn on a free port, with default settings."""
    port = free_port()
    command = [HYPERCORN, "--bind", f"127.0.0.1:{port}", f"{SERVICE}:create_app()"]
    server = LiveServer.start(
        command, port=port, cwd=tmp_path_factory.mktemp("served"), env=clean_environment()
    )
    yield server
    server.stop()


@pytest.mark.commands
def test_hypercorn_serves_json(served: LiveServer) -> None:
    """`hypercorn "<service>:create_app()"` serves the app, its answers JSON."""
    status, headers, body = served.get("/livez")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"status": "alive"}


@pytest.mark.commands
@pytest.mark.parametrize(
    ("method", "path", "status"), [("GET", "/nope", 404), ("POST", "/livez", 405)]
)
def test_hypercorn_errors_are_problems(
    served: LiveServer, method: str, path: str, status: int
) -> None:
    """Over a real socket, errors are problem documents too."""
    answered, headers, body = served.request(method, path)
    assert answered == status
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == status


@pytest.mark.commands
@pytest.mark.parametrize(("method", "status"), [("HEAD", 200), ("OPTIONS", 204)])
def test_hypercorn_answers_without_a_body(served: LiveServer, method: str, status: int) -> None:
    """HEAD and OPTIONS carry no body; OPTIONS claims no content type for it."""
    answered, headers, body = served.request(method, "/livez")
    assert answered == status
    assert body == b""
    if method == "OPTIONS":
        assert "content-type" not in headers
        assert "content-length" not in headers
        assert set(headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


async def test_the_worker_serves_its_probes_and_none_of_the_views(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ROLE worker (make worker): every route of the web app but those of views/; probes answer."""
    # Its broker, which it connects to only once serving.
    monkeypatch.setenv(f"{ENV_PREFIX}BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")
    monkeypatch.setenv(f"{ENV_PREFIX}ROLE", "worker")
    worker = create_app()
    monkeypatch.delenv(f"{ENV_PREFIX}ROLE")
    web = create_app()
    assert worker.config["ROLE"] == "worker"
    views_of_the_service = {blueprint.name for blueprint in discover_blueprints(views)}
    assert set(worker.blueprints) == set(web.blueprints) - views_of_the_service
    client = worker.test_client()
    assert (await client.get("/livez")).status_code == 200
    assert (await client.get("/metrics")).status_code == 200


def test_a_worker_without_a_broker_refuses_to_start() -> None:
    """A worker pod whose Secret lacks BROKER_URL would deliver in-process, unseen: it stops."""
    with pytest.raises(SystemExit) as stopped:
        create_app({"ROLE": "worker", "TESTING": False})
    assert stopped.value.code == (
        f"{SERVICE}: cannot start: ROLE worker consumes from a broker, and BROKER_URL is not set:"
        " set it; without a broker the web's own processes deliver the events, and no worker is"
        " needed"
    )
