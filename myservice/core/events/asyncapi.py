"""The AsyncAPI document of the service's events: what it publishes, and what it consumes.

Built from the models as openapi.json is from the views. Each Event (or Job) class of the
service's own modules (its views and data among them) is a message the service sends, but for
those of its tests and of events/; each handler of events/ receives the messages of its model
(a copy there of another service's event is received only). A scheduled job is sent, by the
scheduler, and received; its message says when it fires.
Served at /asyncapi.json when API_DOCS is on (api/docs.py); `make spec` writes it to asyncapi.json, which a
test compares with the app's, so that every change of contract is seen in review.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from quart import Blueprint, Quart, Response, current_app
from quart.cli import with_appcontext
from quart_schema import hide

from ..http.access import public
from ..http.service import service_of
from ..identity import SERVICE
from . import without_broker
from .inbox import Consumers
from .messages import Event
from .schedules import schedule_of

VERSION = "3.0.0"
CORE = __name__.rsplit(".", 2)[0]  # <service>.core
EXTENSION_KEY = __name__


# The name starts with _, which no module of views/ can have: it cannot clash with a team's.
blueprint = Blueprint("_asyncapi", __name__)


def init_app(app: Quart) -> None:
    """Add `quart asyncapi --output FILE`, and serve /asyncapi.json when API_DOCS is on.

    The events published are those of the app's views and data packages; with the service's
    own views, the rest of the service's modules too (an app of a test's views has only theirs).
    """
    service = service_of(app)
    views, data = service.views.__name__, service.data.__name__
    inside = {views, data, SERVICE} if views.startswith(f"{SERVICE}.") else {views, data}
    app.extensions[EXTENSION_KEY] = tuple(sorted(f"{package}." for package in inside))
    app.cli.add_command(asyncapi_command)
    if app.config["API_DOCS"]:
        app.register_blueprint(blueprint)


@blueprint.get("/asyncapi.json")
@hide
@public
async def asyncapi_document() -> Response:
    """The AsyncAPI document of the service's events, as `quart asyncapi` writes it."""
    return current_app.response_class(text_of(current_app), content_type="application/json")


@click.command("asyncapi")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def asyncapi_command(output: Path) -> None:
    """Write the AsyncAPI document of the service's events to OUTPUT."""
    output.write_text(text_of(current_app), encoding="utf-8")


def text_of(app: Quart) -> str:
    """The document as committed: indented, keys sorted, one newline at the end."""
    return json.dumps(document(app), indent=2, sort_keys=True) + "\n"


def document(app: Quart) -> dict[str, Any]:
    """The AsyncAPI 3 document: channels by topic, messages, their schemas, and operations."""
    consumers: Consumers = app.extensions[without_broker.EXTENSION_KEY]
    handlers = {
        handler.function.__module__.rsplit(".", 1)[0] + "." for handler in consumers.handlers
    }
    sent = published_models(
        app.extensions[EXTENSION_KEY], (*handlers, f"{CORE}.", f"{SERVICE}.tests.")
    )
    exchange = app.config["EVENTS_EXCHANGE"]
    channels: dict[str, Any] = {}
    components: dict[str, Any] = {"messages": {}, "schemas": {}}
    operations: dict[str, Any] = {}
    received = [(handler.name, handler.model) for handler in consumers.handlers]
    # A scheduled job is sent by the service's scheduler, wherever its class is, once handled.
    scheduled = [model for _, model in received if schedule_of(model) is not None]
    models = sorted({*sent, *(model for _, model in received)}, key=_order)
    _refuse_twins(models)
    for model in models:
        _add_model(model, exchange, channels, components, model in scheduled)
    for model in sorted({*sent, *scheduled}, key=_order):
        operations[f"send_{_identifier(model.topic)}_{model.__name__}"] = _operation("send", model)
    for name, model in received:
        operations[_identifier(name)] = _operation("receive", model)
    return {
        "asyncapi": VERSION,
        "info": {"title": SERVICE, "version": service_of(app).version},
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": components,
    }


def published_models(inside: tuple[str, ...], outside: tuple[str, ...]) -> list[type[Event]]:
    """The Event and Job classes with a topic of the modules `inside`, but those `outside`."""
    found: list[type[Event]] = []
    unseen: list[type[Event]] = [Event]
    while unseen:
        for model in unseen.pop().__subclasses__():
            unseen.append(model)
            module = f"{model.__module__}."
            if (
                "topic" in vars(model)
                and module.startswith(inside)
                and not module.startswith(outside)
            ):
                found.append(model)
    return sorted(found, key=_order)


def _refuse_twins(models: list[type[Event]]) -> None:
    """Two classes of one name would be one message of the document: say which to rename."""
    named: dict[str, type[Event]] = {}
    for model in models:
        twin = named.setdefault(model.__name__, model)
        if twin is not model:
            raise ValueError(
                f"two event classes are named {model.__name__} ({twin.__module__},"
                f" {model.__module__}), and AsyncAPI names each message by its class: rename one"
            )


def _add_model(
    model: type[Event],
    exchange: str,
    channels: dict[str, Any],
    components: dict[str, Any],
    scheduled: bool,
) -> None:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    components["schemas"].update(schema.pop("$defs", {}))
    components["schemas"][model.__name__] = schema
    components["messages"][model.__name__] = {
        "name": model.__name__,
        "title": model.topic,
        "summary": (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else "",
        "contentType": "application/json",
        "payload": {"$ref": f"#/components/schemas/{model.__name__}"},
    }
    if scheduled and (schedule := schedule_of(model)) is not None:
        components["messages"][model.__name__]["description"] = (
            f"Fired by the service's scheduler, once per tick: {schedule.describe()}."
        )
    channel = channels.setdefault(
        _identifier(model.topic),
        {
            "address": model.topic,
            "messages": {},
            "bindings": {
                "amqp": {
                    "is": "routingKey",
                    "exchange": {
                        "name": f"{exchange}.{SERVICE}.jobs" if model.job else exchange,
                        "type": "topic",
                        "durable": True,
                    },
                    "bindingVersion": "0.3.0",
                }
            },
        },
    )
    channel["messages"][model.__name__] = {"$ref": f"#/components/messages/{model.__name__}"}


def _operation(action: str, model: type[Event]) -> dict[str, Any]:
    channel = _identifier(model.topic)
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": [{"$ref": f"#/channels/{channel}/messages/{model.__name__}"}],
    }


def _identifier(name: str) -> str:
    """A name as AsyncAPI keys must be: letters, digits, _ and -."""
    return name.replace(".", "_")


def _order(model: type[Event]) -> tuple[str, str]:
    return model.topic, model.__name__
