"""The factory, blueprint discovery, the view/test pairing policy, and serving for real."""

from __future__ import annotations

import http.client
import importlib
import json
import os
import pkgutil
import re
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from myservice import create_app, views
from myservice.settings import ENV_PREFIX, SETTINGS_FILE_VARIABLE

TESTS = Path(__file__).parent
HYPERCORN = Path(sys.executable).with_name("hypercorn")


@pytest.fixture
def extra_views(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A folder whose modules count as modules of myservice/views, for this test only."""
    folder = tmp_path / "extra_views"
    folder.mkdir()
    monkeypatch.setattr(views, "__path__", [*views.__path__, str(folder)])
    yield folder
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", "")).startswith(str(folder)):
            del sys.modules[name]


def add_view(folder: Path, name: str, source: str) -> None:
    """Write a view module as a developer would drop it into myservice/views."""
    (folder / f"{name}.py").write_text(textwrap.dedent(source))
    importlib.invalidate_caches()


def test_each_call_builds_a_new_independent_app() -> None:
    """Two apps share no settings: changing one leaves the other as it was."""
    first = create_app({"DEBUG": True})
    second = create_app()
    first.config["BODY_TIMEOUT"] = 99
    assert first is not second
    assert first.debug
    assert not second.debug
    assert second.config["BODY_TIMEOUT"] == 30


def test_importing_the_package_builds_no_app() -> None:
    """`import myservice` creates no app: the factory is the only place one is made."""
    probe = (
        "import gc, myservice, quart;"
        " print(any(isinstance(o, quart.Quart) for o in gc.get_objects()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"


def registered_modules() -> list[str]:
    """The view modules whose Blueprints a fresh app registers, in registration order."""
    return [blueprint.import_name for blueprint in create_app().blueprints.values()]


async def test_a_new_view_module_is_served(extra_views: Path) -> None:
    """Dropping a module with a Blueprint into views/ is all it takes to serve its routes."""
    add_view(
        extra_views,
        "probe_teams",
        """
        from quart import Blueprint

        blueprint = Blueprint("probe_teams", __name__)

        @blueprint.get("/probe-teams")
        async def teams() -> list[str]:
            return ["red", "blue"]
        """,
    )
    response = await create_app().test_client().get("/probe-teams")
    assert response.status_code == 200
    assert await response.get_json() == ["red", "blue"]


def test_blueprints_are_registered_in_module_name_order(extra_views: Path) -> None:
    """Discovery is deterministic: modules are taken in name order, whatever the disk says."""
    for name in ("probe_zulu", "probe_alpha"):
        add_view(extra_views, name, f"import quart\nbp = quart.Blueprint({name!r}, __name__)\n")
    modules = registered_modules()
    assert modules == sorted(modules)
    assert {"myservice.views.probe_alpha", "myservice.views.probe_zulu"} <= set(modules)


def test_modules_starting_with_underscore_are_skipped(extra_views: Path) -> None:
    """A helper module named _something needs no Blueprint and is not registered."""
    before = registered_modules()
    add_view(extra_views, "_probe_shared", "PAGE_SIZE = 50\n")
    assert registered_modules() == before


def test_one_blueprint_under_two_names_counts_once(extra_views: Path) -> None:
    """An alias of the module's Blueprint is still one Blueprint."""
    add_view(
        extra_views,
        "probe_teams",
        "import quart\nbp = quart.Blueprint('probe_teams', __name__)\nblueprint = bp\n",
    )
    assert registered_modules().count("myservice.views.probe_teams") == 1


@pytest.mark.parametrize(
    ("source", "defines"),
    [
        ("PAGE_SIZE = 50\n", "no Blueprint"),
        (
            "from quart import Blueprint\n"
            "a = Blueprint('a', __name__)\n"
            "b = Blueprint('b', __name__)\n",
            "2 Blueprints",
        ),
    ],
    ids=["none", "two"],
)
def test_a_view_module_needs_exactly_one_blueprint(
    extra_views: Path, source: str, defines: str
) -> None:
    """A view module with no Blueprint, or two, stops the start with a line naming the module."""
    add_view(extra_views, "probe_teams", source)
    with pytest.raises(SystemExit) as stopped:
        create_app()
    assert stopped.value.code == (
        f"myservice: cannot start: myservice.views.probe_teams defines {defines}; every module in"
        " myservice.views must define exactly one"
        " (start its name with _ to keep it out of discovery)"
    )


def test_every_view_module_has_its_test_module() -> None:
    """Policy: views/<name>.py comes with tests/test_<name>.py."""
    modules = [module.name for module in pkgutil.iter_modules(views.__path__)]
    untested = [
        name
        for name in modules
        if not name.startswith("_") and not (TESTS / f"test_{name}.py").exists()
    ]
    assert untested == []


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """The app served by a real Hypercorn process on a free port, with default settings."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(ENV_PREFIX) and name != SETTINGS_FILE_VARIABLE
    }
    command = [str(HYPERCORN), "--bind", "127.0.0.1:0", "myservice:create_app()"]
    with subprocess.Popen(
        command,
        cwd=tmp_path_factory.mktemp("served"),
        env=environment,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        assert server.stderr is not None
        # Hypercorn's first line: "[…] [INFO] Running on http://127.0.0.1:<port> (CTRL + C to quit)"
        banner = server.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)", banner)
        if found is None:
            server.kill()
            pytest.fail(f"hypercorn did not start: {banner}{server.stderr.read()}")
        yield "127.0.0.1", int(found.group(1))
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def fetch(
    served: tuple[str, int], method: str, path: str
) -> tuple[http.client.HTTPResponse, bytes]:
    """One request over a fresh connection: the response and its body."""
    connection = http.client.HTTPConnection(*served, timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def test_hypercorn_serves_json(served: tuple[str, int]) -> None:
    """`hypercorn "myservice:create_app()"` serves the home page as JSON."""
    response, body = fetch(served, "GET", "/")
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/json"
    assert json.loads(body)["name"] == "myservice"


@pytest.mark.parametrize(("method", "path", "status"), [("GET", "/nope", 404), ("POST", "/", 405)])
def test_hypercorn_errors_are_problems(
    served: tuple[str, int], method: str, path: str, status: int
) -> None:
    """Over a real socket, errors are problem documents too."""
    response, body = fetch(served, method, path)
    assert response.status == status
    assert response.getheader("Content-Type") == "application/problem+json"
    assert json.loads(body)["status"] == status


@pytest.mark.parametrize(("method", "status"), [("HEAD", 200), ("OPTIONS", 204)])
def test_hypercorn_answers_without_a_body(
    served: tuple[str, int], method: str, status: int
) -> None:
    """HEAD and OPTIONS carry no body; OPTIONS claims no content type for it."""
    response, body = fetch(served, method, "/")
    assert response.status == status
    assert body == b""
    if method == "OPTIONS":
        assert response.getheader("Content-Type") is None
        assert response.getheader("Content-Length") is None
        assert set(response.getheader("Allow", "").split(", ")) == {"GET", "HEAD", "OPTIONS"}
