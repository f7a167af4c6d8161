"""The service's own settings, beside the skeleton's (each feature's settings.py in core/).

Add one entry per setting, document it in settings.yml, and read it as
`current_app.config["NAME"]`. It is loaded, validated and shown by `make config` as the skeleton's
are, and set the same ways: settings.yml, MYSERVICE_<NAME>, create_app() overrides.
For example:

    SETTINGS = {"GREETING": Setting("hello", str), "PAGE_SIZE": Setting(20, int, minimum=1)}
"""

from __future__ import annotations

from myservice.core import Setting

SETTINGS: dict[str, Setting] = {}
