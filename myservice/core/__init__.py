"""The skeleton's plumbing. A service never edits this package; the skeleton's fixes merge into it.

One folder per subject, each named like its page in docs/: http/, settings/, api/, callers/,
downstreams/, data/, events/, observability/, serve/, and testing/ for the tests.
`create_service_app` builds an app in a fixed order: the settings (the skeleton's and the
service's) are validated; logs, metrics, errors, validation, the OpenAPI document and its UI,
the probes, the database and its migrations, tracing, the downstreams, authentication, limits
and CORS are set up; then the service's tables are imported, its consumers found and its
blueprints registered, and every route must say who may call it. The names below are the ones
the service's views and tests import.
"""

from __future__ import annotations

from collections.abc import Mapping

from .api import audit_route, deprecation, docs, openapi, validation
from .api.deprecation import deprecated
from .api.entity_tags import entity_tags
from .api.openapi import media_response, problems
from .api.validation import (
    Model,
    PlainText,
    Query,
    validate_querystring,
    validate_request,
    validate_response,
)
from .app_class import ServiceApp
from .callers import auth, cors, development_tokens, gate, websocket_bounds
from .callers.auth import current_caller, required_caller
from .data import audit_purge, database, idempotency, migration_commands, schema_readiness
from .data import errors as database_errors
from .data.audit_trail import audit
from .data.database import apart, get_or_404, reading, transaction
from .data.idempotent import idempotent
from .data.tables import Base
from .discovery import discover_blueprints, import_tables
from .downstreams import registry as downstreams
from .downstreams.registry import downstream
from .events import asyncapi, retire, scheduler, without_broker
from .events.handlers import discover_handlers, handles
from .events.messages import Event, Job
from .events.outbox import enqueue, publish
from .events.scheduler import fire_schedules
from .events.schedules import ScheduledJob
from .events.without_broker import deliver
from .http import client_address
from .http import problems as http_problems
from .http import service as service_description
from .http.access import check_declared, public, requires, unlimited
from .http.caller import Caller
from .http.conditional import require_match, tagged
from .http.problems import problem_response
from .http.readiness import NotReady, add_readiness_check
from .http.responses import no_content
from .http.security_headers import cache_control
from .http.service import Service
from .identity import SERVICE, StartupError, cannot_start
from .observability import log_levels, logs, metrics, open_websockets, probes, tracing
from .observability.request_log import quiet
from .settings import command as config_command
from .settings.loader import Settings, load_settings
from .settings.setting import Setting
from .settings_table import settings_table

__all__ = [
    "Base",
    "Caller",
    "Event",
    "Job",
    "Model",
    "NotReady",
    "PlainText",
    "Query",
    "ScheduledJob",
    "Service",
    "ServiceApp",
    "Setting",
    "StartupError",
    "add_readiness_check",
    "apart",
    "audit",
    "cache_control",
    "create_service_app",
    "current_caller",
    "deliver",
    "deprecated",
    "downstream",
    "enqueue",
    "entity_tags",
    "fire_schedules",
    "get_or_404",
    "handles",
    "idempotent",
    "init_app",
    "media_response",
    "no_content",
    "problem_response",
    "problems",
    "public",
    "publish",
    "quiet",
    "reading",
    "require_match",
    "required_caller",
    "requires",
    "tagged",
    "transaction",
    "unlimited",
    "validate_querystring",
    "validate_request",
    "validate_response",
]


def create_service_app(
    service: Service, overrides: Mapping[str, object] | None = None
) -> ServiceApp:
    """A new app of `service`: settings, the skeleton's plumbing, its tables and blueprints.

    A mistake in settings or views stops the start with one line and exit status 1, so that
    `quart run` and the servers print no traceback for it.
    """
    try:
        settings = load_settings(settings_table(service.settings), overrides)
        import_tables(service.data)
        blueprints = discover_blueprints(service.views)
        handlers = discover_handlers(service.events)
        app = ServiceApp(SERVICE, static_folder=None)
        app.extensions[service_description.EXTENSION_KEY] = service
        init_app(app, settings)
        without_broker.init_app(app, handlers)
        scheduler.init_app(app, handlers, app.extensions[without_broker.EXTENSION_KEY].metrics)
        asyncapi.init_app(app)
        retire.init_app(app)
        for blueprint in blueprints if app.config["ROLE"] == "web" else ():
            app.register_blueprint(blueprint)
        check_declared(app)
    except StartupError as error:
        raise cannot_start(error) from None
    return app


def init_app(app: ServiceApp, settings: Settings) -> None:
    """Set up the plumbing on `app`, in the order each piece needs the ones before it."""
    config_command.init_app(app, settings)
    client_address.init_app(app)
    logs.init_app(app)
    metrics.init_app(app)
    http_problems.init_app(app)
    database_errors.init_app(app)
    validation.init_app(app)
    openapi.init_app(app)
    docs.init_app(app)
    deprecation.init_app(app)
    probes.init_app(app)
    database.init_app(app)
    idempotency.init_app(app)
    audit_purge.init_app(app)
    schema_readiness.init_app(app)
    migration_commands.init_app(app)
    tracing.init_app(app)
    downstreams.init_app(app)
    auth.init_app(app)
    development_tokens.init_app(app)
    log_levels.init_app(app)
    audit_route.init_app(app)
    gate.init_app(app)
    cors.init_app(app)
    websocket_bounds.init_app(app)
    open_websockets.init_app(app)
