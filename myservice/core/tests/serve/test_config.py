"""Where `make serve` listens, and how its workers' uvicorn is configured from the settings."""

from __future__ import annotations

import socket

import pytest

from ...identity import StartupError
from ...serve.config import Listener, address, bind, listener_from_environment, uvicorn_config
from ...serve.http import BoundedHttpToolsProtocol
from ...settings.loader import load_settings
from ...settings_table import CORE_SETTINGS
from ..plumbing import create_app


@pytest.fixture(autouse=True)
def no_serving_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """No HOST, PORT or WORKERS from the shell running the tests."""
    for variable in ("HOST", "PORT", "WORKERS"):
        monkeypatch.delenv(variable, raising=False)


def test_defaults_are_localhost_8000_with_one_worker() -> None:
    """Without HOST, PORT or WORKERS: 127.0.0.1:8000, one worker."""
    assert listener_from_environment() == Listener("127.0.0.1", 8000, 1)


def test_the_environment_sets_address_and_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """HOST, PORT and WORKERS come from the environment, as a container platform sets them."""
    monkeypatch.setenv("HOST", "0.0.0.0")  # noqa: S104
    monkeypatch.setenv("PORT", "9000")
    monkeypatch.setenv("WORKERS", "4")
    assert listener_from_environment() == Listener("0.0.0.0", 9000, 4)  # noqa: S104


@pytest.mark.parametrize(
    ("variable", "raw", "message"),
    [
        ("PORT", "eighty", "PORT must be a whole number from 0 to 65535, not 'eighty'"),
        ("PORT", "65536", "PORT must be a whole number from 0 to 65535, not '65536'"),
        ("PORT", "-1", "PORT must be a whole number from 0 to 65535, not '-1'"),
        ("WORKERS", "0", "WORKERS must be a whole number of at least 1, not '0'"),
        ("WORKERS", "2.5", "WORKERS must be a whole number of at least 1, not '2.5'"),
    ],
)
def test_bad_environment_values_are_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, raw: str, message: str
) -> None:
    """A port or worker count that is not a sensible whole number stops the start."""
    monkeypatch.setenv(variable, raw)
    with pytest.raises(StartupError) as raised:
        listener_from_environment()
    assert str(raised.value) == message


def test_port_0_binds_a_free_port() -> None:
    """PORT=0 asks the system for a free port, which the socket then reports."""
    with bind(Listener("127.0.0.1", 0, 1), backlog=16) as sock:
        assert sock.getsockname()[1] > 0


def test_an_ipv6_host_is_bound_and_written_in_brackets() -> None:
    """HOST=::1 listens on IPv6; its address is written [::1]:<port>, as URLs do."""
    with bind(Listener("::1", 0, 1), backlog=16) as sock:
        assert sock.family == socket.AF_INET6
        assert address("::1", sock.getsockname()[1]).startswith("[::1]:")


def test_a_port_in_use_is_one_line() -> None:
    """Another process on the port stops the start with a line naming the address."""
    with bind(Listener("127.0.0.1", 0, 1), backlog=16) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(StartupError) as raised:
            bind(Listener("127.0.0.1", port, 1), backlog=16)
    assert str(raised.value) == f"cannot listen on 127.0.0.1:{port}: Address already in use"


def test_uvicorn_runs_with_the_services_limits_and_no_banner() -> None:
    """The settings set the keep-alive, the graceful timeout and the backlog; no Server header."""
    settings = load_settings(
        CORE_SETTINGS, {"GRACEFUL_TIMEOUT": 7, "KEEP_ALIVE_TIMEOUT": 90}
    ).values
    config = uvicorn_config(create_app(), settings)
    assert config.timeout_keep_alive == 90
    assert config.timeout_graceful_shutdown == 7
    assert config.backlog == 1024
    assert config.h11_max_incomplete_event_size == 16384
    assert issubclass(config.http, BoundedHttpToolsProtocol)  # type: ignore[arg-type]
    assert config.http.header_timeout == 30  # type: ignore[union-attr]
    assert (config.server_header, config.access_log, config.proxy_headers) == (False, False, False)
