"""The API's settings: whether /docs and /openapi.json are served."""

from __future__ import annotations

from ..settings.setting import Setting

SETTINGS: dict[str, Setting] = {
    "API_DOCS": Setting(True, bool),
}
