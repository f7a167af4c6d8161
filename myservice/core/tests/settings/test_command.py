"""`quart config` (`make config`): every setting, its value and its layer, secrets masked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .... import settings as service
from ...data.settings import DEFAULT_DATABASE_URL
from ...identity import ENV_PREFIX
from ...settings.command import shown
from ...settings_table import CORE_SETTINGS, settings_table
from ...testing.guides import guide
from ...testing.service import PROJECT, TEST_VARIABLES
from ..plumbing import create_app

SETTINGS = settings_table(service.SETTINGS)


def config_rows(output: str) -> dict[str, tuple[str, str]]:
    """`quart config` output as {key: (value, origin)}."""
    rows = [re.split(r"\s{2,}", line, maxsplit=2) for line in output.splitlines()]
    return {key: (value, origin) for key, value, origin in rows}


def test_config_command_reports_values_and_their_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    """`quart config` prints each setting, its value and the layer it came from."""
    Path("settings.yml").write_text("# the file\nBODY_TIMEOUT: 5\n")
    monkeypatch.setenv(f"{ENV_PREFIX}DEBUG", "true")
    app = create_app({"TESTING": True})
    result = app.test_cli_runner().invoke(args=["config"])
    assert result.exit_code == 0
    rows = config_rows(result.output)
    assert list(rows) == list(SETTINGS)
    assert set(SKELETON_ROWS) == set(CORE_SETTINGS)
    assert {key: rows[key] for key in SKELETON_ROWS} == SKELETON_ROWS


# What the test above expects of the skeleton's settings; the service's come in between.
SKELETON_ROWS = {
    "API_DOCS": ("true", "default"),
    "AUTH_ALGORITHMS": ('["RS256", "ES256"]', "default"),
    "AUTH_AUDIENCE": ("null", "default"),
    # The test plugin's: every test signs in with the development key.
    "AUTH_DEVELOPMENT_KEY": ("true", f"{ENV_PREFIX}AUTH_DEVELOPMENT_KEY"),
    "AUTH_ISSUER": ("null", "default"),
    "AUTH_JWKS_COOLDOWN": ("30", "default"),
    "AUDIT_RETENTION_DAYS": ("365", "default"),
    "AUDIT_SCOPE": ('"audit:read"', "default"),
    "AUTH_JWKS_REFRESH": ("300", "default"),
    "AUTH_JWKS_URL": ("null", "default"),
    "AUTH_LEEWAY": ("30", "default"),
    "BODY_TIMEOUT": ("5", "settings.yml, line 2"),
    "BROKER_URL": ("null", "default"),
    "COMPRESSION_MINIMUM": ("1024", "default"),
    "CORS_ALLOW_CREDENTIALS": ("false", "default"),
    "CORS_MAX_AGE": ("600", "default"),
    "CORS_ORIGINS": ("[]", "default"),
    "DATABASE_POOL_SIZE": ("5", "default"),
    "DATABASE_POOL_TIMEOUT": ("5", "default"),
    "DATABASE_TIMEOUT": ("10", "default"),
    "DATABASE_URL": (f'"{DEFAULT_DATABASE_URL}"', "default"),
    "DEBUG": ("true", f"{ENV_PREFIX}DEBUG"),
    "DOWNSTREAMS": ("{}", "default"),
    "DRAIN_DELAY": ("5", "default"),
    "EVENTS_EXCHANGE": ('"events"', "default"),
    "EVENTS_MAX_ATTEMPTS": ("5", "default"),
    "EVENTS_RETRY_DELAY": ("1", "default"),
    "GRACEFUL_TIMEOUT": ("20", "default"),
    "HEADER_TIMEOUT": ("30", "default"),
    "IDEMPOTENCY_KEY_HOURS": ("24", "default"),
    "KEEP_ALIVE_TIMEOUT": ("75", "default"),
    "LISTEN_BACKLOG": ("1024", "default"),
    "LOG_FORMAT": ('"auto"', "default"),
    "LOG_LEVEL": ('"INFO"', "default"),
    "MAX_CONTENT_LENGTH": ("1048576", "default"),
    "MAX_HEADER_SIZE": ("16384", "default"),
    "MAX_IN_FLIGHT": ("512", "default"),
    "MAX_WEBSOCKETS": ("256", "default"),
    "MAX_WEBSOCKETS_PER_CALLER": ("8", "default"),
    "OPERATOR_SCOPE": ('"operator"', "default"),
    "RATE_LIMIT": ("null", "default"),
    "RATE_LIMIT_STORAGE": ('"memory://"', "default"),
    "READINESS_TIMEOUT": ("2", "default"),
    "REQUIRE_IF_MATCH": ("false", "default"),
    "RESPONSE_TIMEOUT": ("60", "default"),
    "ROLE": ('"web"', "default"),
    "SECRET_KEY": ("null", "default"),
    "TESTING": ("true", "create_app() overrides"),
    "TRACING": ("false", "default"),
    "WEBSOCKET_IDLE_TIMEOUT": ("300", "default"),
    "TRUSTED_PROXIES": ("[]", "default"),
}


def test_config_command_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """A secret's value never appears in `quart config` output, only that it is set."""
    monkeypatch.setenv(f"{ENV_PREFIX}SECRET_KEY", "hunter2")
    result = create_app().test_cli_runner().invoke(args=["config"])
    assert "hunter2" not in result.output
    assert config_rows(result.output)["SECRET_KEY"] == ('"********"', f"{ENV_PREFIX}SECRET_KEY")


@pytest.mark.parametrize(
    ("key", "value", "printed"),
    [
        ("DATABASE_URL", "postgresql://app:hunter2@db/app", '"postgresql://app:***@db/app"'),
        (
            "UPSTREAM",
            "https://user:pw@api.example.com:8443/v1",
            '"https://user:***@api.example.com:8443/v1"',
        ),
        ("UPSTREAM", "https://api.example.com/v1", '"https://api.example.com/v1"'),
        ("GREETING", "https://a:b@[not an address", '"https://a:b@[not an address"'),
        ("DATABASE_PASSWORD", "hunter2", '"********"'),
        ("API_TOKEN", "abc", '"********"'),
        ("SECRET_KEY", None, "null"),
        ("AUTH_DEVELOPMENT_KEY", True, "true"),
        ("GREETING", "hello", '"hello"'),
        ("PAGE_SIZE", 20, "20"),
        (
            "DOWNSTREAMS",
            {"billing": {"url": "https://svc:hunter2@billing.internal", "pool": 5}},
            '{"billing": {"url": "https://svc:***@billing.internal", "pool": 5}}',
        ),
        ("ALLOWED", ["https://a:hunter2@x.example"], '["https://a:***@x.example"]'),
    ],
)
def test_values_are_printed_as_yaml_and_secrets_masked(
    key: str, value: object, printed: str
) -> None:
    """Secrets are masked, and so are passwords in URLs; the rest prints as YAML.

    A key naming a key, password, secret or token is masked once set to text (a switch is no
    secret); a URL's password is masked under any key.
    """
    assert shown(key, value) == printed


def test_the_documented_output_is_the_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/settings.md shows `make config` as it prints the shipped settings.yml, row for row."""
    page = guide("settings.md")
    command = f"$ {ENV_PREFIX}SECRET_KEY=hunter2 make config\n"
    documented = config_rows(page.split(command)[1].split("```")[0])
    monkeypatch.chdir(PROJECT)
    for name in TEST_VARIABLES:
        monkeypatch.delenv(name)
    monkeypatch.setenv(f"{ENV_PREFIX}SECRET_KEY", "hunter2")
    printed = config_rows(create_app().test_cli_runner().invoke(args=["config"]).output)
    assert {key: printed[key] for key in documented} == documented
