"""Every setting there is: each feature's table, and the service's own beside them.

The features declare their settings beside their code; this module only gathers them, so that
loading the settings imports no feature's libraries. settings.yml documents every key, and a
test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping

from .api.settings import SETTINGS as API
from .callers.settings import SETTINGS as CALLERS
from .data.settings import SETTINGS as DATA
from .downstreams.settings import SETTINGS as CALLS
from .events.settings import SETTINGS as EVENTS
from .http.settings import SETTINGS as HTTP
from .identity import StartupError
from .observability.settings import SETTINGS as OBSERVABILITY
from .serve.settings import SETTINGS as SERVE
from .settings.setting import Setting

CORE_SETTINGS: dict[str, Setting] = dict(
    sorted({**API, **CALLERS, **CALLS, **DATA, **EVENTS, **HTTP, **OBSERVABILITY, **SERVE}.items())
)


def settings_table(service_settings: Mapping[str, Setting]) -> dict[str, Setting]:
    """The skeleton's settings and the service's, in name order; a name may be defined once."""
    for key in service_settings:
        if key in CORE_SETTINGS:
            raise StartupError(f"the service's settings define {key}, a setting of the skeleton")
    return dict(sorted({**CORE_SETTINGS, **service_settings}.items()))
