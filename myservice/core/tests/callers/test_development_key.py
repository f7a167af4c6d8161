"""The development key: made once, private to its owner, refused outside DEBUG and TESTING."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from quart import Quart
from quart.testing.app import LifespanError

from ...callers.development_key import KEY_FILE, development_key
from ...identity import ENV_PREFIX, SERVICE
from ...testing.key_server import KeyServer
from ...testing.live_server import free_port
from ...testing.service import PROJECT, clean_environment
from ..plumbing import create_app_with_views

REFUNDS = {
    "refunds": """
        from quart import Blueprint

        from {SERVICE}.core import requires

        blueprint = Blueprint("refunds", __name__)


        @blueprint.get("/refunds")
        @requires("refunds:read")
        async def refunds():
            return {"read": True}
    """
}


def refunds_app(tmp_path: Path, **overrides: object) -> Quart:
    """An app whose one view requires refunds:read."""
    return create_app_with_views(tmp_path, REFUNDS, overrides)


async def start_failure(tmp_path: Path, **overrides: object) -> str:
    """The one line serving stops with, with the development key not allowed."""
    app = refunds_app(tmp_path, AUTH_DEVELOPMENT_KEY=False, **overrides)
    with pytest.raises(LifespanError) as stopped:
        async with app.test_app():
            pass
    return str(stopped.value).removeprefix("Error during startup ")


@pytest.fixture(autouse=True)
def no_quart_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    """QUART_DEBUG from the developer's shell would turn DEBUG on."""
    monkeypatch.delenv("QUART_DEBUG", raising=False)


def test_the_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    """The first use writes the key, readable by its owner only; later uses read the same key."""
    first = development_key(tmp_path)
    mode = stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode)
    assert mode == 0o600
    assert development_key(tmp_path).thumbprint() == first.thumbprint()


def test_workers_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    """Eight starts at once all end with the same key, and no stray files beside it."""
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: development_key(tmp_path).thumbprint(), range(8)))
    assert len(keys) == 1
    assert [path.name for path in tmp_path.iterdir()] == [KEY_FILE]


async def test_protected_routes_refuse_the_development_key_unless_allowed(tmp_path: Path) -> None:
    """No AUTH_JWKS_URL, and neither AUTH_DEVELOPMENT_KEY nor DEBUG: serving stops, saying why."""
    failure = await start_failure(tmp_path)
    assert failure.startswith(f"{SERVICE}: cannot start: ")
    assert "routes require tokens but AUTH_JWKS_URL is not set" in failure
    assert f"{ENV_PREFIX}AUTH_DEVELOPMENT_KEY=true" in failure


@pytest.mark.parametrize(
    "overrides",
    [{"AUTH_DEVELOPMENT_KEY": True}, {"DEBUG": True}, {"TESTING": True}],
    ids=["allowed", "debug", "testing"],
)
async def test_the_development_key_is_allowed_by_any_of_three_settings(
    tmp_path: Path, overrides: dict[str, object], bearer: Callable[..., dict[str, str]]
) -> None:
    """With AUTH_DEVELOPMENT_KEY, DEBUG or TESTING on, it starts and takes development tokens."""
    client = refunds_app(tmp_path, **{"AUTH_DEVELOPMENT_KEY": False, **overrides}).test_client()
    response = await client.get("/refunds", headers=bearer("refunds:read"))
    assert response.status_code == 200


def test_building_the_app_serves_nothing_and_is_never_refused(tmp_path: Path) -> None:
    """Make view, spec, config and db upgrade load the app: its routes are known, no key asked."""
    app = refunds_app(tmp_path, AUTH_DEVELOPMENT_KEY=False)
    assert app.url_map.bind("").test("/refunds")


def refunds_service(tmp_path: Path, development_key: bool = False) -> dict[str, str]:
    """A module refunds_service.create_app: the app of `refunds_app`, with the key allowed or not.

    Gives the environment a server started in `tmp_path` finds it with.
    """
    (tmp_path / "refunds_service.py").write_text(
        textwrap.dedent(
            f"""
            from {SERVICE}.core.tests.callers.test_development_key import refunds_app
            from pathlib import Path

            def create_app():
                return refunds_app(Path("{tmp_path}"), AUTH_DEVELOPMENT_KEY={development_key})
            """
        )
    )
    return {**clean_environment(), "PYTHONPATH": os.pathsep.join([str(tmp_path), str(PROJECT)])}


def run_in(tmp_path: Path, command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a server's command beside refunds_service, to its end."""
    return subprocess.run(
        [str(Path(sys.executable).with_name(command[0])), *command[1:], "--port", str(free_port())],
        cwd=tmp_path,
        env=refunds_service(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.commands
def test_any_server_is_refused_not_only_quart_run(tmp_path: Path) -> None:
    """Uvicorn --factory, which no command of the skeleton runs, stops before it serves."""
    done = run_in(tmp_path, ["uvicorn", "--factory", "refunds_service:create_app"])
    assert done.returncode != 0
    assert "routes require tokens but AUTH_JWKS_URL is not set" in done.stderr
    assert "Application startup failed" in done.stderr


@pytest.mark.commands
def test_quart_run_is_refused_in_one_line(tmp_path: Path) -> None:
    """`quart run` says why in one line and exits 1, rather than print chained tracebacks."""
    done = run_in(tmp_path, ["quart", "--app", "refunds_service:create_app", "run"])
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith(f"{SERVICE}: cannot start: routes require tokens but AUTH_JWKS_URL")


def test_quart_debug_counts_as_debug(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`quart run --debug` sets QUART_DEBUG before it makes the app: the start is allowed."""
    monkeypatch.setenv("QUART_DEBUG", "1")
    assert refunds_app(tmp_path, AUTH_DEVELOPMENT_KEY=False).url_map.bind("").test("/refunds")


def test_a_key_set_url_needs_no_debug(tmp_path: Path, key_server: KeyServer) -> None:
    """Configured as in production, the service starts with DEBUG off."""
    app = refunds_app(tmp_path, AUTH_DEVELOPMENT_KEY=False, **key_server.settings())
    assert not app.debug


def test_without_protected_routes_no_key_is_needed(tmp_path: Path) -> None:
    """The skeleton as cloned (public routes only) starts with DEBUG off and writes no key."""
    create_app_with_views(tmp_path, {}, {})
    assert not (Path.cwd() / KEY_FILE).exists()


async def test_the_token_command_prints_a_token_the_service_accepts(tmp_path: Path) -> None:
    """`quart token --scopes ...` (`make token`) signs with the key the service checks against."""
    app = refunds_app(tmp_path, DEBUG=True)
    command = ["token", "--scopes", "refunds:read", "--subject", "ann"]
    result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 0, result.output
    headers = {"Authorization": f"Bearer {result.output.strip()}"}
    response = await app.test_client().get("/refunds", headers=headers)
    assert response.status_code == 200


def test_the_token_command_refuses_with_a_key_set_url(
    tmp_path: Path, key_server: KeyServer
) -> None:
    """With AUTH_JWKS_URL set, tokens come from the provider: the command says so, exit 1."""
    app = refunds_app(tmp_path, **key_server.settings())
    result = app.test_cli_runner().invoke(args=["token"])
    assert result.exit_code == 1
    assert "tokens come from that identity provider" in result.output
