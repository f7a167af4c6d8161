"""The readiness registry: one check per name, registered on the app or on a view's blueprint."""

from __future__ import annotations

from pathlib import Path

import pytest
from quart import Quart

from ...http.readiness import add_readiness_check, readiness_of, start_draining
from ...identity import SERVICE, StartupError
from ..plumbing import create_app_with_views


async def passes() -> None:
    """A check that passes."""


def test_a_check_name_is_registered_once(app: Quart) -> None:
    """Two checks under one name would hide one of them: the second registration is refused."""
    add_readiness_check(app, "cache", passes)
    with pytest.raises(StartupError, match="a readiness check named 'cache' is registered"):
        add_readiness_check(app, "cache", passes)


def test_a_check_under_a_name_the_skeleton_took_stops_the_start_in_one_line(
    tmp_path: Path,
) -> None:
    """A view module's check named `database`: exit 1, one line naming it, no traceback."""
    view = (
        f"from quart import Blueprint\n\nfrom {SERVICE}.core import add_readiness_check\n\n"
        'blueprint = Blueprint("exports", __name__)\n\n\n'
        "async def ready() -> bool:\n    return True\n\n\n"
        'add_readiness_check(blueprint, "database", ready)\n'
    )
    with pytest.raises(SystemExit) as stopped:
        create_app_with_views(tmp_path, {"exports": view}, {"TESTING": True})
    assert "a readiness check named 'database' is registered already" in str(stopped.value.code)


def test_an_app_starts_ready_to_be_checked_and_drains_when_told(app: Quart) -> None:
    """The skeleton's own checks at first, and no drain; start_draining() marks one for /readyz."""
    assert "database" in readiness_of(app).checks  # the skeleton's own
    assert readiness_of(app).draining is False
    start_draining(app)
    assert readiness_of(app).draining is True
