"""Settings of the requests themselves: Quart's own, bodies' bounds, gzip, the proxies to trust."""

from __future__ import annotations

from ..settings.setting import Setting
from .client_address import trusted_proxies

SETTINGS: dict[str, Setting] = {
    "BODY_TIMEOUT": Setting(30, int, minimum=1),
    "COMPRESSION_MINIMUM": Setting(1024, int, minimum=1, nullable=True),
    "DEBUG": Setting(False, bool),
    "MAX_CONTENT_LENGTH": Setting(1024 * 1024, int, minimum=1),
    "REQUIRE_IF_MATCH": Setting(False, bool),
    "SECRET_KEY": Setting(None, str, nullable=True),
    "TESTING": Setting(False, bool),
    "TRUSTED_PROXIES": Setting([], list, check=trusted_proxies),
}
