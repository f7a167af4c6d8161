"""Hypercorn's configuration under `make serve`: the committed file, HOST, PORT and WORKERS."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ...serve.config import server_config
from ...settings import load_settings
from ...startup import StartupError
from ...testing import PROJECT


@pytest.fixture(autouse=True)
def committed_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """The project's hypercorn.toml, unless a test names another; no HOST, PORT or WORKERS."""
    monkeypatch.setenv("HYPERCORN_CONFIG", str(PROJECT / "hypercorn.toml"))
    for variable in ("HOST", "PORT", "WORKERS"):
        monkeypatch.delenv(variable, raising=False)


def settings() -> dict[str, object]:
    """The default settings of the skeleton."""
    return load_settings({}).values


def with_environment(monkeypatch: pytest.MonkeyPatch, **variables: str) -> None:
    """Set each variable for this test."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


def test_the_committed_file_sets_the_production_knobs() -> None:
    """hypercorn.toml turns the server banner off and keeps idle connections past the balancer's."""
    config = server_config(settings())
    assert config.include_server_header is False
    assert config.keep_alive_timeout == 75
    assert config.backlog == 1024
    assert config.h11_max_incomplete_size == 16384


def test_defaults_bind_localhost_8000_with_one_worker() -> None:
    """Without HOST, PORT or WORKERS: 127.0.0.1:8000, one worker, no access log of Hypercorn's."""
    config = server_config(settings())
    assert config.bind == ["127.0.0.1:8000"]
    assert config.workers == 1
    assert config.graceful_timeout == 20
    assert config.accesslog is None
    assert config.errorlog is logging.getLogger("hypercorn.error")
    assert config.worker_class == "uvloop"


def test_environment_sets_address_workers_and_graceful_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HOST, PORT and WORKERS come from the environment; GRACEFUL_TIMEOUT from the settings."""
    with_environment(monkeypatch, HOST="0.0.0.0", PORT="9000", WORKERS="4")  # noqa: S104
    config = server_config({**settings(), "GRACEFUL_TIMEOUT": 7})
    assert config.bind == ["0.0.0.0:9000"]
    assert config.workers == 4
    assert config.graceful_timeout == 7


def test_an_ipv6_host_is_bracketed(monkeypatch: pytest.MonkeyPatch) -> None:
    """HOST=:: binds every IPv6 address, written as Hypercorn expects."""
    with_environment(monkeypatch, HOST="::", PORT="8080")
    config = server_config(settings())
    assert config.bind == ["[::]:8080"]


def test_no_file_means_hypercorn_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without hypercorn.toml in the working directory, Hypercorn's own defaults apply."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HYPERCORN_CONFIG")
    config = server_config(settings())
    assert config.include_server_header is True
    assert config.keep_alive_timeout == 5


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"PORT": "eighty"}, "PORT must be a whole number from 0 to 65535, not 'eighty'"),
        ({"PORT": "65536"}, "PORT must be a whole number from 0 to 65535, not '65536'"),
        ({"PORT": "-1"}, "PORT must be a whole number from 0 to 65535, not '-1'"),
        ({"WORKERS": "0"}, "WORKERS must be a whole number of at least 1, not '0'"),
        ({"WORKERS": "2.5"}, "WORKERS must be a whole number of at least 1, not '2.5'"),
    ],
)
def test_bad_environment_values_are_refused(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], message: str
) -> None:
    """A port or worker count that is not a sensible whole number stops the start."""
    with_environment(monkeypatch, **environment)
    with pytest.raises(StartupError) as raised:
        server_config(settings())
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "keep_alive_timout = 5\n",
            "keep_alive_timout is not a Hypercorn setting; did you mean keep_alive_timeout?",
        ),
        ("colour = 'blue'\n", "colour is not a Hypercorn setting"),
        (
            "create_sockets = 1\n",
            "create_sockets is not a Hypercorn setting; did you mean ca_certs?",
        ),
        ("bind = ['0.0.0.0:80']\n", "bind is not set here: set HOST and PORT in the environment"),
        ("workers = 4\n", "workers is not set here: set WORKERS in the environment"),
        (
            "graceful_timeout = 9\n",
            "graceful_timeout is not set here: use the GRACEFUL_TIMEOUT setting",
        ),
        ("keep_alive_timeout = '75'\n", "keep_alive_timeout must be a number, not '75'"),
        ("backlog = true\n", "backlog must be a number, not True"),
        ("include_server_header = 0\n", "include_server_header must be a bool, not 0"),
        ("keep_alive_timeout = \n", "not valid TOML: Invalid value (at line 1, column 22)"),
    ],
)
def test_mistakes_in_the_file_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str, message: str
) -> None:
    """Hypercorn would ignore an unknown key; here every mistake names the file and the key."""
    path = tmp_path / "hypercorn.toml"
    path.write_text(text)
    with_environment(monkeypatch, HYPERCORN_CONFIG=str(path))
    with pytest.raises(StartupError) as raised:
        server_config(settings())
    assert str(raised.value) == f"{path}: {message}"


def test_a_named_file_must_exist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """HYPERCORN_CONFIG naming a missing file is a mistake, not a silent fallback."""
    missing = tmp_path / "nope.toml"
    with_environment(monkeypatch, HYPERCORN_CONFIG=str(missing))
    with pytest.raises(StartupError) as raised:
        server_config(settings())
    assert str(raised.value) == f"HYPERCORN_CONFIG names {missing}, which does not exist"


def test_a_file_that_is_not_utf8_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A file that is not UTF-8 stops the start with its name and the offending byte."""
    path = tmp_path / "hypercorn.toml"
    path.write_bytes(b"backlog = 1\n\xff\n")
    with_environment(monkeypatch, HYPERCORN_CONFIG=str(path))
    with pytest.raises(StartupError) as raised:
        server_config(settings())
    assert str(raised.value) == f"{path}: not UTF-8 text (bad byte at offset 12)"
