"""The one reader of configuration files, and the one did-you-mean, as every start sees them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ...identity import StartupError
from ...settings.files import did_you_mean, read_config_file

VARIABLE = "PROBE_CONFIG"


def test_the_named_file_is_read_instead_of_the_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The file the variable names wins over the default file in the working directory."""
    Path("probe.yml").write_text("default\n")
    named = tmp_path / "named.yml"
    named.write_text("named\n")
    monkeypatch.setenv(VARIABLE, str(named))
    assert read_config_file(VARIABLE, "probe.yml") == (named, "named\n")


def test_the_default_file_is_read_when_no_file_is_named() -> None:
    """Without the variable, the default file in the working directory is read if it is there."""
    Path("probe.yml").write_text("default\n")
    assert read_config_file(VARIABLE, "probe.yml") == (Path("probe.yml"), "default\n")


def test_no_file_at_all_is_no_mistake() -> None:
    """Without the variable and without the default file, there is nothing to read."""
    assert read_config_file(VARIABLE, "probe.yml") is None


def refusal(monkeypatch: pytest.MonkeyPatch, named: Path | str) -> str:
    """The one line read_config_file stops with when the variable names `named`."""
    monkeypatch.setenv(VARIABLE, str(named))
    with pytest.raises(StartupError) as refused:
        read_config_file(VARIABLE, "probe.yml")
    return str(refused.value)


def test_a_missing_named_file_is_a_mistake(monkeypatch: pytest.MonkeyPatch) -> None:
    """A named file that is not there is a mistake, not a silent fallback to the defaults."""
    assert refusal(monkeypatch, "nowhere.yml") == (
        f"{VARIABLE} names nowhere.yml, which does not exist"
    )


def test_a_named_file_that_cannot_be_read_says_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Naming something that cannot be read gives the system's reason."""
    assert refusal(monkeypatch, tmp_path) == f"{tmp_path}: cannot read it: Is a directory"


def test_a_file_that_is_not_utf8_names_the_bad_byte(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A file in another encoding is refused, saying where the first bad byte is."""
    latin = tmp_path / "latin.yml"
    latin.write_bytes("SECRET_KEY: café\n".encode("latin-1"))
    assert refusal(monkeypatch, latin) == f"{latin}: not UTF-8 text (bad byte at offset 15)"


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("DEBGU", "did you mean DEBUG?"),
        ("LOG_LEVLE", "did you mean LOG_LEVEL?"),
        ("COLOUR", None),
    ],
)
def test_did_you_mean_names_the_closest_known_name(name: str, hint: str | None) -> None:
    """A near miss is told the name it probably meant; a name close to nothing gets no hint."""
    assert did_you_mean(name, ["DEBUG", "LOG_LEVEL", "LOG_FORMAT"]) == hint
