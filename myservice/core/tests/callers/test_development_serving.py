"""The development key beyond loopback: the start says so, under either server."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from ...callers.development_serving import beyond_this_machine, development_key_exposure
from ...identity import SERVICE
from ...testing.live_server import LiveServer, free_port
from ..plumbing import create_app
from .test_development_key import refunds_app, refunds_service

WARNING = "beyond this machine, with the development key: set AUTH_JWKS_URL"


@pytest.mark.parametrize(
    ("host", "beyond"),
    [
        ("127.0.0.1", False),
        ("127.0.0.2", False),
        ("::1", False),
        ("[::1]", False),
        ("localhost", False),
        ("0.0.0.0", True),  # noqa: S104 (the address under test)
        ("::", True),
        ("192.168.1.5", True),
        ("api.internal", True),
    ],
)
def test_loopback_is_this_machine_and_everything_else_is_not(host: str, beyond: bool) -> None:
    """Loopback addresses and `localhost` stay on the machine; any other address or name may not."""
    assert beyond_this_machine(host) is beyond


def test_the_warning_is_for_protected_routes_with_the_development_key(tmp_path: Path) -> None:
    """Only a service whose routes take development tokens, listening beyond loopback, is warned."""
    app = refunds_app(tmp_path, AUTH_DEVELOPMENT_KEY=True)
    assert WARNING in (development_key_exposure(app, "0.0.0.0") or "")  # noqa: S104
    assert development_key_exposure(app, "127.0.0.1") is None
    # The operators' routes (GET and PUT /log-level) are served only where the key is allowed.
    unprotected = create_app({"AUTH_DEVELOPMENT_KEY": False})
    assert development_key_exposure(unprotected, "0.0.0.0") is None  # noqa: S104


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "quart", "--app", "refunds_service:create_app", "run", "--host", "0.0.0.0"],  # noqa: S104
        ["-m", f"{SERVICE}.core.serve", "refunds_service:create_app"],
    ],
    ids=["quart-run", "make-serve"],
)
@pytest.mark.processes
def test_serving_on_every_interface_says_so(tmp_path: Path, command: list[str]) -> None:
    """`make run HOST=0.0.0.0` and `HOST=0.0.0.0 make serve` serve, with the warning logged."""
    port = free_port()
    environment = refunds_service(tmp_path, development_key=True) | {
        "HOST": "0.0.0.0",  # noqa: S104 (the address under test)
        "PORT": str(port),
    }
    arguments = [*command, "--port", str(port)] if "run" in command else command
    server = LiveServer.start(
        [sys.executable, *arguments], port=port, cwd=tmp_path, env=environment, path="/livez"
    )
    try:
        assert any(WARNING in line for line in server.lines)
    finally:
        server.stop(signal.SIGTERM)
