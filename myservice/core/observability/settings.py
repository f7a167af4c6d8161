"""Settings of what the service tells about itself: logs, readiness, tracing."""

from __future__ import annotations

from ..settings.setting import Setting


def one_scope(value: str) -> str:
    """The OPERATOR_SCOPE setting: one word, as a token's scopes are separated by spaces."""
    if not value or any(character.isspace() for character in value):
        raise ValueError(f"must be one scope, a word without spaces, not {value!r}")
    return value


SETTINGS: dict[str, Setting] = {
    "LOG_FORMAT": Setting("auto", str, choices=("auto", "json", "console")),
    "LOG_LEVEL": Setting("INFO", str, choices=("DEBUG", "INFO", "WARNING", "ERROR")),
    "OPERATOR_SCOPE": Setting("operator", str, check=one_scope),
    "READINESS_TIMEOUT": Setting(2, int, minimum=1),
    "TRACING": Setting(False, bool),
}
