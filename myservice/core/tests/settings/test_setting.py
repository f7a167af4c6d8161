"""What a setting is, and how a value is written in messages and by `make config`."""

from __future__ import annotations

import pytest

from ...settings.setting import Setting, as_yaml, private_enough


@pytest.mark.parametrize(
    ("value", "written"),
    [(True, "true"), (None, "null"), (3, "3"), ("3", '"3"'), (["a", "b"], '["a", "b"]')],
)
def test_values_are_written_as_settings_yml_would(value: object, written: str) -> None:
    """A string that looks like a number keeps its quotes, so that the message is exact."""
    assert as_yaml(value) == written


def test_a_setting_allows_no_null_and_no_limits_unless_told() -> None:
    """The defaults of a Setting are the strictest: not nullable, no choices."""
    setting = Setting(20, int)
    assert (setting.nullable, setting.minimum, setting.choices, setting.check) == (
        False,
        None,
        (),
        None,
    )


@pytest.mark.parametrize(
    ("url", "private"),
    [
        ("https://id.example.com/token", True),
        ("http://127.0.0.1:5000/development/token", True),
        ("http://localhost/jwks.json", True),
        ("http://[::1]:8080/t", True),
        ("http://id.internal/token", False),
        ("http://127.0.0.1.evil.example/t", False),
        ("https:///token", False),
        ("ftp://id.example.com/token", False),
    ],
)
def test_a_secret_travels_over_https_or_stays_on_this_machine(url: str, private: bool) -> None:
    """Https anywhere, plain http to loopback only: a client secret or a key set's URL."""
    assert private_enough(url) is private
