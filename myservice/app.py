"""The application factory: settings, extensions and blueprints, and nothing else."""

from __future__ import annotations

from collections.abc import Mapping

from quart import Quart

from myservice import errors, logs, metrics, openapi, readiness, settings, validation
from myservice.observed_app import ObservedApp
from myservice.startup import StartupError
from myservice.views import discover_blueprints


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
    app = ObservedApp("myservice", static_folder=None)
    settings.init_app(app, loaded)
    logs.init_app(app)
    metrics.init_app(app)
    readiness.init_app(app)
    errors.init_app(app)
    validation.init_app(app)
    openapi.init_app(app)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app
