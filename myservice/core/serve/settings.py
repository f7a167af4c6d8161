"""The production server's settings: connections, timeouts and the drain (docs/serving.md)."""

from __future__ import annotations

from ..settings.setting import Setting

SETTINGS: dict[str, Setting] = {
    "DRAIN_DELAY": Setting(5, int, minimum=0),
    "GRACEFUL_TIMEOUT": Setting(20, int, minimum=1),
    "HEADER_TIMEOUT": Setting(30, int, minimum=1),
    "KEEP_ALIVE_TIMEOUT": Setting(75, int, minimum=1),
    "LISTEN_BACKLOG": Setting(1024, int, minimum=1),
    "MAX_HEADER_SIZE": Setting(16 * 1024, int, minimum=1024),
    "RESPONSE_TIMEOUT": Setting(60, int, minimum=1),
    # What the process is for: web answers the API (make serve, make run); worker runs the
    # consumers (make worker), with the probes and metrics but none of the service's views.
    "ROLE": Setting("web", str, choices=("web", "worker")),
}
