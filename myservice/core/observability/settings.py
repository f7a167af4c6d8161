"""Settings of what the service tells about itself: logs, readiness, tracing."""

from __future__ import annotations

from ..settings.setting import Setting, one_scope

SETTINGS: dict[str, Setting] = {
    "LOG_FORMAT": Setting("auto", str, choices=("auto", "json", "console")),
    "LOG_LEVEL": Setting("INFO", str, choices=("DEBUG", "INFO", "WARNING", "ERROR")),
    "OPERATOR_SCOPE": Setting("operator", str, check=one_scope),
    "READINESS_TIMEOUT": Setting(2, int, minimum=1),
    "TRACING": Setting(False, bool),
}
