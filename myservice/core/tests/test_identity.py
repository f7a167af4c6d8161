"""The service's name and environment prefix come from its package; a failed start is one line."""

from __future__ import annotations

import pytest

from ... import create_app
from ..identity import ENV_PREFIX, SERVICE, StartupError, cannot_start


def test_the_name_is_the_package_that_holds_core() -> None:
    """The name is derived, never written out: it is the package create_app comes from."""
    assert create_app.__module__ == f"{SERVICE}.app"
    assert create_app().name == SERVICE


def test_the_environment_prefix_is_the_name_in_capitals() -> None:
    """Settings come from <NAME>_<KEY> variables, so two services on one host do not mix."""
    assert f"{SERVICE.upper()}_" == ENV_PREFIX


def test_a_failed_start_exits_with_one_line_naming_the_service() -> None:
    """The exit's message is what a shell shows, prefixed so that a log says who could not start."""
    with pytest.raises(SystemExit) as stopped:
        raise cannot_start(StartupError("settings.yml, line 2: DEBUG must be true or false"))
    assert stopped.value.code == (
        f"{SERVICE}: cannot start: settings.yml, line 2: DEBUG must be true or false"
    )
