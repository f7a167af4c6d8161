"""Settings: each layer, their precedence, every way a value can be wrong, the service's own."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .... import settings as service
from ...identity import ENV_PREFIX, SERVICE, StartupError
from ...settings.loader import load_settings
from ...settings.setting import Setting
from ...settings_table import settings_table
from ...testing.guides import guide, python_blocks
from ...testing.service import PROJECT, TEST_VARIABLES
from ..plumbing import create_app

SETTINGS = settings_table(service.SETTINGS)
QUART = Path(sys.executable).with_name("quart")
HYPERCORN = Path(sys.executable).with_name("hypercorn")


def start_failure(overrides: dict[str, object] | None = None) -> str:
    """The one line create_app() stops with."""
    with pytest.raises(SystemExit) as stopped:
        create_app(overrides)
    return str(stopped.value.code)


def test_defaults_are_safe() -> None:
    """With no file, variables or overrides: debug off, bodies capped at 1 MiB, bounded timeouts."""
    app = create_app()
    assert not app.debug
    assert not app.testing
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert app.config["BODY_TIMEOUT"] == 30
    assert app.config["RESPONSE_TIMEOUT"] == 60
    assert app.config["SECRET_KEY"] is None


def test_settings_yml_in_the_working_directory_is_read() -> None:
    """./settings.yml is the file layer when QUART_SETTINGS is not set."""
    Path("settings.yml").write_text("DEBUG: true\nBODY_TIMEOUT: 5\n")
    app = create_app()
    assert app.debug
    assert app.config["BODY_TIMEOUT"] == 5


def test_quart_settings_names_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The file named by QUART_SETTINGS is read instead of ./settings.yml."""
    Path("settings.yml").write_text("BODY_TIMEOUT: 5\n")
    named = tmp_path / "production.yml"
    named.write_text("BODY_TIMEOUT: 7\n")
    monkeypatch.setenv("QUART_SETTINGS", str(named))
    assert create_app().config["BODY_TIMEOUT"] == 7


def test_empty_file_keeps_the_defaults() -> None:
    """A settings file with nothing but comments changes nothing."""
    Path("settings.yml").write_text("# nothing set here\n")
    assert create_app().config["MAX_CONTENT_LENGTH"] == SETTINGS["MAX_CONTENT_LENGTH"].default


def test_layers_take_precedence_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defaults < file < environment < create_app() overrides, key by key."""
    Path("settings.yml").write_text("BODY_TIMEOUT: 5\nRESPONSE_TIMEOUT: 5\nMAX_CONTENT_LENGTH: 5\n")
    monkeypatch.setenv(f"{ENV_PREFIX}RESPONSE_TIMEOUT", "6")
    monkeypatch.setenv(f"{ENV_PREFIX}MAX_CONTENT_LENGTH", "6")
    app = create_app({"MAX_CONTENT_LENGTH": 7})
    assert app.config["TESTING"] is False  # default
    assert app.config["BODY_TIMEOUT"] == 5  # file
    assert app.config["RESPONSE_TIMEOUT"] == 6  # environment
    assert app.config["MAX_CONTENT_LENGTH"] == 7  # overrides


@pytest.mark.parametrize(
    ("variable", "raw", "key", "value"),
    [
        (f"{ENV_PREFIX}DEBUG", "true", "DEBUG", True),
        (f"{ENV_PREFIX}BODY_TIMEOUT", "12", "BODY_TIMEOUT", 12),
        (f"{ENV_PREFIX}SECRET_KEY", "1234", "SECRET_KEY", "1234"),
        (f"{ENV_PREFIX}SECRET_KEY", "s3cr3t: not JSON", "SECRET_KEY", "s3cr3t: not JSON"),
        (f"{ENV_PREFIX}SECRET_KEY", '"quoted"', "SECRET_KEY", "quoted"),
    ],
)
def test_environment_values_are_read_as_json_else_as_text(
    monkeypatch: pytest.MonkeyPatch, variable: str, raw: str, key: str, value: object
) -> None:
    """<PREFIX>_<KEY> parses as JSON where it can; a string setting keeps digits as text."""
    monkeypatch.setenv(variable, raw)
    assert create_app().config[key] == value


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("DEBGU: true\n", 'settings.yml, line 1: unknown setting "DEBGU"; did you mean DEBUG?'),
        (
            "DEBUG: false\ndebug: true\n",
            'settings.yml, line 2: unknown setting "debug"; did you mean DEBUG?',
        ),
        (
            "PORT: 80\n",
            'settings.yml, line 1: unknown setting "PORT"; known settings are '
            + ", ".join(SETTINGS),
        ),
        ("DEBUG: maybe\n", 'settings.yml, line 1: DEBUG must be true or false, not "maybe"'),
        ("DEBUG: 1\n", "settings.yml, line 1: DEBUG must be true or false, not 1"),
        (
            "\nMAX_CONTENT_LENGTH: true\n",
            "settings.yml, line 2: MAX_CONTENT_LENGTH must be a whole number of at least 1,"
            " not true",
        ),
        (
            "BODY_TIMEOUT: 0\n",
            "settings.yml, line 1: BODY_TIMEOUT must be a whole number of at least 1, not 0",
        ),
        (
            "BODY_TIMEOUT: 2.5\n",
            "settings.yml, line 1: BODY_TIMEOUT must be a whole number of at least 1, not 2.5",
        ),
        (
            "BODY_TIMEOUT: [1]\n",
            "settings.yml, line 1: BODY_TIMEOUT must be a whole number of at least 1, not [1]",
        ),
        (
            "LOG_LEVEL: info\n",
            "settings.yml, line 1: LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR,"
            ' not "info"',
        ),
        (
            "DRAIN_DELAY: -1\n",
            "settings.yml, line 1: DRAIN_DELAY must be a whole number of at least 0, not -1",
        ),
        (
            "SECRET_KEY: 1234\n",
            "settings.yml, line 1: SECRET_KEY must be a string (quote it if it looks like a number)"
            " or null, not 1234",
        ),
        (
            "DATABASE_URL: mysql://db/app\n",
            "settings.yml, line 1: DATABASE_URL names the driver mysql, which is not asynchronous;"
            " use sqlite+aiosqlite or postgresql+asyncpg",
        ),
        (
            "DEBUG: true\nDEBUG: false\n",
            "settings.yml, line 2: DEBUG is set twice (first on line 1)",
        ),
        (
            "- DEBUG\n",
            "settings.yml: the top level must be a mapping of setting names to values, not a list",
        ),
        (
            "DEBUG\n",
            "settings.yml: the top level must be a mapping of setting names to values,"
            " not a single value",
        ),
        (
            "DEBUG: [\n",
            "settings.yml, line 2: not valid YAML: expected the node content,"
            " but found '<stream end>'",
        ),
        (
            "DEBUG: true\n  BODY_TIMEOUT: 3\n",
            "settings.yml, line 2: not valid YAML: mapping values are not allowed here",
        ),
        (
            "DEBUG: true\n---\nDEBUG: false\n",
            "settings.yml, line 2: not valid YAML: expected a single document in the stream,"
            " but found another document",
        ),
        (
            "DEBUG: \x07\n",
            "settings.yml: not valid YAML: special characters are not allowed (at offset 7)",
        ),
        (
            "DEBUG: !!python/object:os.system true\n",
            "settings.yml, line 1: not valid YAML: could not determine a constructor for the tag"
            " 'tag:yaml.org,2002:python/object:os.system'",
        ),
    ],
    ids=[
        "unknown-key",
        "lowercase-key",
        "unknown-key-no-close-match",
        "bool-given-text",
        "bool-given-number",
        "int-given-bool",
        "int-below-minimum",
        "int-given-float",
        "int-given-list",
        "choice-not-listed",
        "zero-minimum",
        "string-given-number",
        "checked-value",
        "duplicate-key",
        "top-level-list",
        "top-level-scalar",
        "unclosed-bracket",
        "bad-indentation",
        "two-documents",
        "control-character",
        "python-tag",
    ],
)
def test_a_wrong_settings_file_stops_the_start(content: str, message: str) -> None:
    """Each mistake in the file stops the start with one line naming the file, line and key."""
    Path("settings.yml").write_text(content)
    assert start_failure() == f"{SERVICE}: cannot start: {message}"


@pytest.mark.parametrize(
    ("variable", "raw", "message"),
    [
        (
            f"{ENV_PREFIX}DEBGU",
            "true",
            f'{ENV_PREFIX}DEBGU: unknown setting "DEBGU"; did you mean DEBUG?',
        ),
        (f"{ENV_PREFIX}DEBUG", "yes", f'{ENV_PREFIX}DEBUG: DEBUG must be true or false, not "yes"'),
        (
            f"{ENV_PREFIX}MAX_CONTENT_LENGTH",
            "1MB",
            f"{ENV_PREFIX}MAX_CONTENT_LENGTH: MAX_CONTENT_LENGTH must be a whole number"
            ' of at least 1, not "1MB"',
        ),
    ],
)
def test_a_wrong_environment_variable_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, variable: str, raw: str, message: str
) -> None:
    """An unknown or ill-typed variable of the service stops the start, naming the variable."""
    monkeypatch.setenv(variable, raw)
    assert start_failure() == f"{SERVICE}: cannot start: {message}"


def test_a_wrong_override_stops_the_start() -> None:
    """create_app() overrides are validated like every other layer."""
    assert start_failure({"DEBGU": True}) == (
        f"{SERVICE}: cannot start: create_app() overrides:"
        ' unknown setting "DEBGU"; did you mean DEBUG?'
    )


def test_shipped_settings_file_documents_every_key_and_keeps_the_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """settings.yml names every setting under a comment, with the default value."""
    shipped = PROJECT / "settings.yml"
    lines = shipped.read_text().splitlines()
    for key in SETTINGS:
        found = [number for number, line in enumerate(lines) if line.startswith(f"{key}:")]
        assert len(found) == 1, (
            f"settings.yml must set {key} once, under a comment; it does {len(found)} times"
        )
        [index] = found
        assert lines[index - 1].startswith("# "), f"{key} has no comment above it"
    monkeypatch.setenv("QUART_SETTINGS", str(shipped))
    for name in TEST_VARIABLES:
        monkeypatch.delenv(name)
    config = create_app().config
    changed = {key for key, setting in SETTINGS.items() if config[key] != setting.default}
    assert changed == set(), (
        f"settings.yml must hold the defaults, not {sorted(changed)}: put a deployment's values"
        f" in {ENV_PREFIX}* variables or a QUART_SETTINGS file"
    )


BAD_SETTING_LINE = (
    f'{SERVICE}: cannot start: {ENV_PREFIX}DEBGU: unknown setting "DEBGU"; did you mean DEBUG?'
)


def start_with_a_bad_setting(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a real server command with an unknown variable of the service set."""
    environment = {**os.environ, "QUART_APP": f"{SERVICE}", f"{ENV_PREFIX}DEBGU": "true"}
    return subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.commands
@pytest.mark.parametrize("command", [["config"], ["run", "--port", "0"]], ids=["config", "run"])
def test_quart_commands_stop_with_one_line_and_exit_1(tmp_path: Path, command: list[str]) -> None:
    """`quart config` and `quart run` with a wrong setting print the one line and exit 1."""
    result = start_with_a_bad_setting([str(QUART), *command], tmp_path)
    assert result.stderr.splitlines() == [BAD_SETTING_LINE]
    assert result.stdout == ""
    assert result.returncode == 1


HYPERCORN_COMMAND = [str(HYPERCORN), "--bind", "127.0.0.1:0", f"{SERVICE}:create_app()"]


@pytest.mark.commands
def test_hypercorn_stops_with_one_line(tmp_path: Path) -> None:
    """Hypercorn with a wrong setting prints the one line, no traceback, and stops."""
    result = start_with_a_bad_setting(HYPERCORN_COMMAND, tmp_path)
    assert result.stderr.splitlines() == [BAD_SETTING_LINE]
    assert "Traceback" not in result.stdout


@pytest.mark.commands
@pytest.mark.xfail(
    strict=True, reason="Hypercorn 0.18's supervisor exits 0 whatever its worker's exit status"
)
def test_hypercorn_exits_non_zero(tmp_path: Path) -> None:
    """Hypercorn should exit non-zero when the app cannot start; this fails once Hypercorn does."""
    assert start_with_a_bad_setting(HYPERCORN_COMMAND, tmp_path).returncode != 0


SERVICE_TABLE: dict[str, Setting] = {
    "GREETING": Setting("hello", str),
    "PAGE_SIZE": Setting(20, int, minimum=1),
}


def test_a_services_settings_are_layered_like_the_skeletons(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A service's own setting has its default, and the file and environment layers override it."""
    Path("settings.yml").write_text("GREETING: hi\n")
    monkeypatch.setenv(f"{ENV_PREFIX}PAGE_SIZE", "50")
    loaded = load_settings(settings_table(SERVICE_TABLE))
    assert (loaded.values["GREETING"], loaded.origins["GREETING"]) == ("hi", "settings.yml, line 1")
    assert (loaded.values["PAGE_SIZE"], loaded.origins["PAGE_SIZE"]) == (
        50,
        f"{ENV_PREFIX}PAGE_SIZE",
    )
    assert loaded.values["DEBUG"] is False


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "PAGE_SIZE: 0\n",
            "settings.yml, line 1: PAGE_SIZE must be a whole number of at least 1, not 0",
        ),
        (
            "GREETNG: hi\n",
            'settings.yml, line 1: unknown setting "GREETNG"; did you mean GREETING?',
        ),
    ],
)
def test_a_services_settings_are_validated_like_the_skeletons(content: str, message: str) -> None:
    """A service's own setting gets the same one-line refusals as the skeleton's."""
    Path("settings.yml").write_text(content)
    with pytest.raises(StartupError) as refused:
        load_settings(settings_table(SERVICE_TABLE))
    assert str(refused.value) == message


def test_a_check_of_your_own_gets_the_value_of_its_kind_and_says_what_is_wrong() -> None:
    """`check` takes a value already of its kind; what it refuses is one line, as every refusal."""
    seen: list[object] = []

    def shouting(value: str) -> str:
        seen.append(value)
        if value != value.upper():
            raise ValueError("must be in capitals")
        return value

    table: dict[str, Setting] = {"GREETING": Setting("HELLO", str, check=shouting)}
    Path("settings.yml").write_text("GREETING: HI\n")
    assert load_settings(settings_table(table)).values["GREETING"] == "HI"
    Path("settings.yml").write_text("GREETING: hi\n")
    with pytest.raises(StartupError) as refused:
        load_settings(settings_table(table))
    assert str(refused.value) == "settings.yml, line 1: GREETING must be in capitals"
    assert seen == ["HI", "hi"]


def test_the_documented_setting_of_your_own_works_as_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """docs/settings.md's example: its table and settings.yml lines load, and refuse as it says."""
    section = guide("settings.md").split("## A setting of your own")[1]
    [python] = python_blocks(section)
    [documented] = re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)
    namespace: dict[str, object] = {}
    exec(python, namespace)  # noqa: S102 (the project's own documentation)
    table = namespace["SETTINGS"]
    assert isinstance(table, dict)
    Path("settings.yml").write_text(documented)
    loaded = load_settings(settings_table(table))
    assert (loaded.values["GREETING"], loaded.origins["GREETING"]) == (
        "Hello",
        "settings.yml, line 2",
    )
    assert loaded.values["PAGE_SIZE"] == 20
    monkeypatch.setenv(f"{ENV_PREFIX}PAGE_SIZE", "0")
    with pytest.raises(StartupError) as refused:
        load_settings(settings_table(table))
    assert f"`{refused.value}`" in section
