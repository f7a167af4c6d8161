"""The AsyncAPI document: what the service sends and receives, served, and committed as asyncapi.json."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from .... import create_app
from ...events import asyncapi
from ...identity import SERVICE
from ...testing.guides import guide, python_blocks
from ...testing.service import PROJECT
from ..plumbing import create_app as create_plumbing
from ..plumbing import create_app_with_views
from . import ticks

SNAPSHOT = PROJECT / "asyncapi.json"


async def test_the_served_document_matches_the_committed_snapshot() -> None:
    """Any change to the events shows up in review as a change to asyncapi.json."""
    app = create_app({"TESTING": True})
    served = await (await app.test_client().get("/asyncapi.json")).get_json()
    assert served == json.loads(SNAPSHOT.read_text(encoding="utf-8")), (
        "The events differ from asyncapi.json. If the change is meant, run `make spec` and"
        " commit the new asyncapi.json with it."
    )


def guide_app(directory: Path, **settings: object) -> Any:
    """docs/events.md's view, which publishes ParcelShipped, and its consumer, as an app."""
    view, consumer = python_blocks(guide("events.md"))[:2]
    return create_app_with_views(
        directory,
        {"parcels": view},
        {"TESTING": True, **settings},
        {"notify_customer": consumer.replace(f"{SERVICE}.views.", "{VIEWS}.")},
    )


async def test_a_published_event_is_sent_and_a_handled_one_received(tmp_path: Path) -> None:
    """The guide's app sends parcel.shipped from its view and receives it in its consumer."""
    document = await (await guide_app(tmp_path).test_client().get("/asyncapi.json")).get_json()
    assert document["asyncapi"] == "3.0.0"
    channel = document["channels"]["parcel_shipped"]
    assert channel["address"] == "parcel.shipped"
    assert channel["bindings"]["amqp"]["exchange"]["name"] == "events"
    operations = {name: operation["action"] for name, operation in document["operations"].items()}
    assert operations == {
        "send_parcel_shipped_ParcelShipped": "send",
        "notify_customer_notify_customer": "receive",
    }
    schema = document["components"]["schemas"]["ParcelShipped"]
    assert schema["required"] == ["parcel_id", "address"]
    assert document["components"]["messages"]["ParcelShipped"]["summary"] == (
        "A parcel left the warehouse for its address."
    )


def test_the_command_writes_what_is_served_and_api_docs_off_hides_it(tmp_path: Path) -> None:
    """`quart asyncapi --output` writes the document; with API_DOCS off, /asyncapi.json is a 404."""
    (tmp_path / "on").mkdir()
    (tmp_path / "off").mkdir()
    app, hidden = guide_app(tmp_path / "on"), guide_app(tmp_path / "off", API_DOCS=False)
    target = tmp_path / "asyncapi.json"
    result = app.test_cli_runner().invoke(args=["asyncapi", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text()) == asyncio.run(fetched(app))
    assert asyncio.run(status_of(hidden)) == 404


async def fetched(app: Any) -> Any:
    """The JSON /asyncapi.json answers."""
    return await (await app.test_client().get("/asyncapi.json")).get_json()


async def status_of(app: Any) -> int:
    """The status /asyncapi.json answers with."""
    return int((await app.test_client().get("/asyncapi.json")).status_code)


def test_two_event_classes_of_one_name_are_refused_naming_both(tmp_path: Path) -> None:
    """A consumer's copy of the publisher's event under the publisher's name: one line says so."""
    view = python_blocks(guide("events.md"))[0]
    copy = (
        f"from {SERVICE}.core import Event, handles\n\n\n"
        'class ParcelShipped(Event, topic="parcel.shipped"):\n    """A copy."""\n\n'
        "    parcel_id: int\n\n\n@handles(ParcelShipped)\n"
        "async def take(event: ParcelShipped) -> None:\n    pass\n"
    )
    app = create_app_with_views(tmp_path, {"parcels": view}, {"TESTING": True}, {"take": copy})
    with pytest.raises(ValueError, match="two event classes are named ParcelShipped") as raised:
        asyncapi.document(app)
    assert ".take" in str(raised.value)
    assert ".parcels" in str(raised.value)


def test_a_scheduled_job_is_sent_by_the_scheduler_and_says_when() -> None:
    """The tests' beat: sent and received by the service, its message naming its schedule."""
    document = asyncapi.document(create_plumbing({"TESTING": True}, events=ticks))
    operations = {name: operation["action"] for name, operation in document["operations"].items()}
    assert operations["send_tests_beat_Beat"] == "send"
    assert operations["beats_note_beat"] == "receive"
    assert document["components"]["messages"]["Night"]["description"] == (
        "Fired by the service's scheduler, once per tick: cron '0 3 * * *' in Europe/Paris;"
        " ticks missed are skipped."
    )
    assert document["components"]["schemas"]["Beat"]["required"] == ["tick"]
