"""The skeleton's plumbing. A service never edits this package; the skeleton's fixes merge into it.

`create_service_app` builds an app in a fixed order: the settings (the skeleton's and the
service's) are validated; logging, metrics, errors, validation, the OpenAPI document and its
UI, the probes, the database and its migrations, tracing, the downstreams, authentication,
limits and CORS are set up; then the service's tables are imported and its blueprints registered, and
every route must say who may call it. The names below are the ones the service's views and tests import.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

from . import (
    api_docs,
    auth,
    config_command,
    database,
    database_errors,
    downstreams,
    errors,
    gate,
    logs,
    metrics,
    migrations,
    openapi,
    probes,
    tracing,
    validation,
)
from .access import check_declared, public, requires, unlimited
from .app_class import ServiceApp, no_content
from .auth import current_caller
from .cors import Cors
from .database import get_or_404, reading, transaction
from .discovery import discover_blueprints, import_tables
from .downstreams import downstream
from .errors import problem_response
from .openapi import media_response, problems
from .probes import NotReady, add_readiness_check
from .request_log import quiet
from .settings import Setting, Settings, load_settings
from .startup import SERVICE, StartupError, cannot_start
from .tables import Base
from .tokens import Caller
from .validation import (
    Model,
    PlainText,
    Query,
    validate_querystring,
    validate_request,
    validate_response,
)

__all__ = [
    "Base",
    "Caller",
    "Model",
    "NotReady",
    "PlainText",
    "Query",
    "ServiceApp",
    "Setting",
    "StartupError",
    "add_readiness_check",
    "create_service_app",
    "current_caller",
    "downstream",
    "get_or_404",
    "init_app",
    "media_response",
    "no_content",
    "problem_response",
    "problems",
    "public",
    "quiet",
    "reading",
    "requires",
    "transaction",
    "unlimited",
    "validate_querystring",
    "validate_request",
    "validate_response",
]


def create_service_app(
    service_settings: Mapping[str, Setting],
    views: ModuleType,
    data: ModuleType,
    overrides: Mapping[str, object] | None = None,
) -> ServiceApp:
    """A new app: settings, the skeleton's plumbing, then the service's tables and blueprints.

    A mistake in settings or views stops the start with one line and exit status 1, so that
    `quart run` and the servers print no traceback for it.
    """
    try:
        settings = load_settings(service_settings, overrides)
        import_tables(data)
        blueprints = discover_blueprints(views)
        app = ServiceApp(SERVICE, static_folder=None)
        init_app(app, settings)
        for blueprint in blueprints:
            app.register_blueprint(blueprint)
        check_declared(app)
        auth.check_keys(app)
    except StartupError as error:
        raise cannot_start(error) from None
    return app


def init_app(app: ServiceApp, settings: Settings) -> None:
    """Set up the plumbing on `app`, in the order each piece needs the ones before it."""
    config_command.init_app(app, settings)
    logs.init_app(app)
    metrics.init_app(app)
    errors.init_app(app)
    database_errors.init_app(app)
    validation.init_app(app)
    openapi.init_app(app)
    api_docs.init_app(app)
    probes.init_app(app)
    database.init_app(app)
    migrations.init_app(app)
    app.tracing = tracing.init_app(app)
    downstreams.init_app(app)
    auth.init_app(app)
    app.gate = gate.init_app(app)
    config = app.config
    if config["CORS_ORIGINS"]:
        app.cors = Cors(
            config["CORS_ORIGINS"], config["CORS_ALLOW_CREDENTIALS"], config["CORS_MAX_AGE"]
        )
    app.max_in_flight = config["MAX_IN_FLIGHT"]
    app.uncapped_paths = probes.paths(app)
