"""The skeleton's plumbing. A service never edits this package; the skeleton's fixes merge into it.

`create_service_app` builds an app in a fixed order: the settings (the skeleton's and the
service's) are validated, logging, metrics, errors, validation, the OpenAPI document and the
probes are set up, and then the service's blueprints are registered. The names below are the
ones the service's views and tests import.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

from . import config_command, errors, logs, metrics, openapi, probes, validation
from .app_class import ServiceApp
from .discovery import discover_blueprints
from .errors import problem_response
from .openapi import media_response, problems
from .probes import add_readiness_check
from .request_log import quiet
from .settings import Setting, Settings, load_settings
from .startup import SERVICE, StartupError, cannot_start
from .validation import Model, Query, validate_querystring, validate_request, validate_response

__all__ = [
    "Model",
    "Query",
    "ServiceApp",
    "Setting",
    "StartupError",
    "add_readiness_check",
    "create_service_app",
    "init_app",
    "media_response",
    "problem_response",
    "problems",
    "quiet",
    "validate_querystring",
    "validate_request",
    "validate_response",
]


def create_service_app(
    service_settings: Mapping[str, Setting],
    views: ModuleType,
    overrides: Mapping[str, object] | None = None,
) -> ServiceApp:
    """A new app: settings, the skeleton's plumbing, then the blueprints of the `views` package.

    A mistake in settings or views stops the start with one line and exit status 1, so that
    `quart run` and the servers print no traceback for it.
    """
    try:
        settings = load_settings(service_settings, overrides)
        blueprints = discover_blueprints(views)
    except StartupError as error:
        raise cannot_start(error) from None
    app = ServiceApp(SERVICE, static_folder=None)
    init_app(app, settings)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app


def init_app(app: ServiceApp, settings: Settings) -> None:
    """Set up the plumbing on `app`, in the order each piece needs the ones before it."""
    config_command.init_app(app, settings)
    logs.init_app(app)
    metrics.init_app(app)
    errors.init_app(app)
    validation.init_app(app)
    openapi.init_app(app)
    probes.init_app(app)
