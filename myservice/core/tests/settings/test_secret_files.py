"""Settings from files: <PREFIX><KEY>_FILE, above the environment, masked, refused if unreadable."""

from __future__ import annotations

from pathlib import Path

import pytest

from ...identity import ENV_PREFIX, SERVICE
from ..plumbing import create_app
from .test_command import config_rows


def secret_file(directory: Path, text: str) -> str:
    """A file holding `text`, as a mounted secret is; its path."""
    path = directory / "secret"
    path.write_text(text)
    return str(path)


def test_a_setting_comes_from_the_file_its_variable_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file's text, its final line break left out, read as the variable's would be."""
    url = f"sqlite:///{tmp_path / 'from-file.db'}"
    monkeypatch.setenv(f"{ENV_PREFIX}DATABASE_URL_FILE", secret_file(tmp_path, url + "\n"))
    pool = tmp_path / "pool"
    pool.write_text("7\n")
    monkeypatch.setenv(f"{ENV_PREFIX}DATABASE_POOL_SIZE_FILE", str(pool))
    app = create_app()
    assert app.config["DATABASE_URL"] == url.replace("sqlite://", "sqlite+aiosqlite://")
    assert app.config["DATABASE_POOL_SIZE"] == 7


def test_the_file_is_above_the_environment_and_below_the_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file beats its variable's plain twin; create_app()'s overrides beat the file."""
    monkeypatch.setenv(f"{ENV_PREFIX}DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv(f"{ENV_PREFIX}DATABASE_POOL_SIZE_FILE", secret_file(tmp_path, "7"))
    assert create_app().config["DATABASE_POOL_SIZE"] == 7
    assert create_app({"DATABASE_POOL_SIZE": 9}).config["DATABASE_POOL_SIZE"] == 9


def test_make_config_names_the_file_and_masks_its_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the key, a value read from a file is shown masked, with where it came from."""
    path = secret_file(tmp_path, "9")
    monkeypatch.setenv(f"{ENV_PREFIX}DATABASE_POOL_SIZE_FILE", path)
    result = create_app({"TESTING": True}).test_cli_runner().invoke(args=["config"])
    assert result.exit_code == 0
    assert config_rows(result.output)["DATABASE_POOL_SIZE"] == (
        '"********"',
        f"file {path} ({ENV_PREFIX}DATABASE_POOL_SIZE_FILE)",
    )


def test_a_file_that_cannot_be_read_stops_the_start_naming_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing file is one line: the variable, the path, and why."""
    missing = tmp_path / "nowhere"
    monkeypatch.setenv(f"{ENV_PREFIX}DATABASE_URL_FILE", str(missing))
    with pytest.raises(SystemExit) as stopped:
        create_app()
    assert str(stopped.value) == (
        f"{SERVICE}: cannot start: {ENV_PREFIX}DATABASE_URL_FILE: cannot read {str(missing)!r}:"
        " No such file or directory"
    )


def test_a_file_variable_of_no_setting_is_an_unknown_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """<PREFIX>NOTHING_FILE names no setting: refused as any unknown variable is."""
    monkeypatch.setenv(f"{ENV_PREFIX}NOTHING_FILE", "/dev/null")
    with pytest.raises(SystemExit, match='unknown setting "NOTHING_FILE"'):
        create_app()


def test_a_field_of_a_downstream_comes_from_a_file_and_is_masked_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client secret from a file completes the auth the environment begins; config masks it.

    Each layer alone holds an auth without its secret: they are checked together.
    """
    field = f"{ENV_PREFIX}DOWNSTREAMS__CATALOGUE"
    monkeypatch.setenv(f"{field}__URL", "https://catalogue.internal")
    monkeypatch.setenv(f"{field}__AUTH__TOKEN_URL", "https://identity.internal/token")
    monkeypatch.setenv(f"{field}__AUTH__CLIENT_ID", "orders")
    path = secret_file(tmp_path, "s3cret\n")
    monkeypatch.setenv(f"{field}__AUTH__CLIENT_SECRET_FILE", path)
    app = create_app({"TESTING": True})
    auth = app.config["DOWNSTREAMS"]["catalogue"]["auth"]
    assert (auth["client_id"], auth["client_secret"]) == ("orders", "s3cret")
    result = app.test_cli_runner().invoke(args=["config"])
    shown, origin = config_rows(result.output)["DOWNSTREAMS"]
    assert "s3cret" not in result.output
    assert '"client_secret": "********"' in shown
    assert '"client_id": "orders"' in shown
    assert origin.endswith(f"file {path} ({field}__AUTH__CLIENT_SECRET_FILE)")


def test_a_field_named_as_a_secret_is_masked_wherever_it_came_from() -> None:
    """client_secret given in the overrides, as a settings file would: masked all the same."""
    grant = {"token_url": "https://id.internal/t", "client_id": "a", "client_secret": "plain"}
    downstreams = {"catalogue": {"url": "https://catalogue.internal", "auth": grant}}
    app = create_app({"TESTING": True, "DOWNSTREAMS": downstreams})
    result = app.test_cli_runner().invoke(args=["config"])
    assert "plain" not in result.output


def test_a_settings_file_entry_completed_by_a_secret_file_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/downstreams.md's way: the entry in a QUART_SETTINGS file, its secret from a file.

    The entry alone lacks its secret; it is checked once the file's field is applied.
    """
    settings = tmp_path / "production.yml"
    settings.write_text(
        "DOWNSTREAMS:\n"
        "  catalogue:\n"
        "    url: https://catalogue.internal\n"
        "    auth: {token_url: https://id.internal/token, client_id: orders, client_secret: ''}\n"
    )
    monkeypatch.setenv("QUART_SETTINGS", str(settings))
    field = f"{ENV_PREFIX}DOWNSTREAMS__CATALOGUE__AUTH__CLIENT_SECRET_FILE"
    monkeypatch.setenv(field, secret_file(tmp_path, "s3cret\n"))
    auth = create_app({"TESTING": True}).config["DOWNSTREAMS"]["catalogue"]["auth"]
    assert (auth["client_id"], auth["client_secret"]) == ("orders", "s3cret")


def test_a_file_that_holds_the_wrong_kind_of_value_is_not_repeated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DOWNSTREAMS_FILE holding YAML, not JSON: the start stops without printing the file."""
    holding = secret_file(tmp_path, "catalogue:\n  client_secret: TOPSECRET-123\n")
    monkeypatch.setenv(f"{ENV_PREFIX}DOWNSTREAMS_FILE", holding)
    with pytest.raises(SystemExit) as stopped:
        create_app({"TESTING": True})
    assert "DOWNSTREAMS must be a mapping of names, not what the file holds" in str(
        stopped.value.code
    )
    assert "TOPSECRET" not in str(stopped.value.code)
