"""The application factory: settings, extensions and blueprints, and nothing else."""

from __future__ import annotations

from collections.abc import Mapping

from quart import Quart

from myservice import errors, logs, metrics, readiness, request_ids, security_headers, settings
from myservice.startup import StartupError
from myservice.views import discover_blueprints
from myservice.wrappers import JSONApp


def create_app(overrides: Mapping[str, object] | None = None) -> Quart:
    """Build a new, independent app; `overrides` is the top settings layer (tests use it).

    A mistake in settings or views stops the start with one line and exit status 1, so that
    `quart run` and `hypercorn` print no traceback for it.
    """
    try:
        loaded = settings.load_settings(overrides)
        blueprints = discover_blueprints()
    except StartupError as error:
        raise SystemExit(f"myservice: cannot start: {error}") from None
    app = JSONApp("myservice")
    settings.init_app(app, loaded)
    # Request ids first: their hook must run before the others, which log and count with them.
    request_ids.init_app(app)
    logs.init_app(app)
    metrics.init_app(app)
    security_headers.init_app(app)
    readiness.init_app(app)
    errors.init_app(app)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app
