"""The environment layer: JSON or text, lists from words, and one field of a mapping at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from ...identity import ENV_PREFIX
from ..plumbing import create_app


def test_a_variable_sets_one_field_of_one_downstream_over_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """<PREFIX>DOWNSTREAMS__BILLING__URL changes billing's url; its deadline stays the file's."""
    Path("settings.yml").write_text(
        "DOWNSTREAMS:\n  billing: {url: 'https://billing.staging', deadline: 2}\n"
    )
    monkeypatch.setenv(f"{ENV_PREFIX}DOWNSTREAMS__BILLING__URL", "https://billing.internal")
    monkeypatch.setenv(f"{ENV_PREFIX}DOWNSTREAMS__BILLING__POOL", "20")
    billing = create_app().config["DOWNSTREAMS"]["billing"]
    assert (billing["url"], billing["deadline"], billing["pool"]) == (
        "https://billing.internal",
        2,
        20,
    )


def test_a_variable_may_add_a_downstream(monkeypatch: pytest.MonkeyPatch) -> None:
    """A downstream the file does not have is added, with the defaults for what is not set."""
    monkeypatch.setenv(f"{ENV_PREFIX}DOWNSTREAMS__LEDGER__URL", "https://ledger.internal")
    assert create_app().config["DOWNSTREAMS"]["ledger"]["retries"] == 2


def test_a_field_override_is_checked_as_the_file_is(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad field in a variable stops the start, naming the variable."""
    monkeypatch.setenv(f"{ENV_PREFIX}DOWNSTREAMS__LEDGER__URL", "ledger")
    with pytest.raises(SystemExit) as stopped:
        create_app()
    assert str(stopped.value.code).endswith(
        f"{ENV_PREFIX}DOWNSTREAMS__LEDGER__URL: DOWNSTREAMS ledger needs its url, an http(s)"
        " URL such as https://ledger.internal"
    )


def test_a_double_underscore_elsewhere_is_an_unknown_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only mapping settings have fields: <PREFIX>DEBUG__X is refused as unknown."""
    monkeypatch.setenv(f"{ENV_PREFIX}DEBUG__X", "true")
    with pytest.raises(SystemExit) as stopped:
        create_app()
    assert 'unknown setting "DEBUG__X"' in str(stopped.value.code)


@pytest.mark.parametrize(
    "raw", ['["https://a.example", "https://b.example"]', "https://a.example, https://b.example"]
)
def test_a_list_is_json_or_words(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    """A list setting takes a JSON list, or words separated by commas or spaces."""
    monkeypatch.setenv(f"{ENV_PREFIX}CORS_ORIGINS", raw)
    assert create_app().config["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]


def test_variables_may_add_a_downstream_field_by_field(monkeypatch: pytest.MonkeyPatch) -> None:
    """DEADLINE before URL, in name order: the entry is checked once it has them both."""
    monkeypatch.setenv(f"{ENV_PREFIX}DOWNSTREAMS__LEDGER__DEADLINE", "2")
    monkeypatch.setenv(f"{ENV_PREFIX}DOWNSTREAMS__LEDGER__URL", "https://ledger.internal")
    ledger = create_app().config["DOWNSTREAMS"]["ledger"]
    assert (ledger["url"], ledger["deadline"]) == ("https://ledger.internal", 2)


def test_null_turns_off_a_setting_that_may_be_null(monkeypatch: pytest.MonkeyPatch) -> None:
    """<PREFIX>RATE_LIMIT=null over the file's rate: no limit, not the text "null"."""
    Path("settings.yml").write_text("RATE_LIMIT: 10/second\n")
    monkeypatch.setenv(f"{ENV_PREFIX}RATE_LIMIT", "null")
    assert create_app().config["RATE_LIMIT"] is None
