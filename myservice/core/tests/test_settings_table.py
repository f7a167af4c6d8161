"""The table of every setting: each feature's, gathered, and the service's own beside them."""

from __future__ import annotations

import pytest

from ..identity import StartupError
from ..settings.setting import Setting
from ..settings_table import settings_table


def test_a_service_cannot_redefine_a_setting_of_the_skeleton() -> None:
    """Two definitions of one key would leave one of them unused: the start stops instead."""
    with pytest.raises(StartupError) as refused:
        settings_table({"DEBUG": Setting(True, bool)})
    assert str(refused.value) == "the service's settings define DEBUG, a setting of the skeleton"


def test_every_feature_brings_its_settings() -> None:
    """The skeleton's table holds each feature's settings, in name order, the service's after."""
    table = settings_table({"GREETING": Setting("hello", str)})
    assert list(table) == sorted(table)
    assert {"API_DOCS", "AUTH_JWKS_URL", "DOWNSTREAMS", "DATABASE_URL", "LOG_LEVEL"} <= set(table)
    assert {"DRAIN_DELAY", "TRUSTED_PROXIES", "GREETING"} <= set(table)
