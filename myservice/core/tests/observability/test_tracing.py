"""Tracing: off and unimported by default; on, spans by route, calls and statements, one trace."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from quart import Blueprint
from sqlalchemy import text

from ...data.database import reading
from ...http.access import public
from ...identity import SERVICE
from ...observability import logs
from ...observability.tracing import tracing_of
from ...testing.live_server import LiveServer
from ...testing.service import PROJECT
from ..downstreams.worked_example import example_factory
from ..otlp_receiver import OTLPReceiver
from ..plumbing import create_app

SERVER, CLIENT = 2, 3  # the span kinds of OTLP

statements = Blueprint("_statements", __name__)


@statements.get("/one")
@public
async def one() -> dict[str, int]:
    """A route that runs a statement."""
    async with reading() as session:
        return {"one": (await session.execute(text("SELECT 1"))).scalar_one()}


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[OTLPReceiver]:
    """An OTLP receiver that this process's, and its servers', exporters send to."""
    server = OTLPReceiver()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", server.url)
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
    yield server
    server.stop()


@pytest.mark.processes
def test_with_tracing_off_nothing_of_opentelemetry_is_imported() -> None:
    """The default: the app is made and answers without importing a module of OpenTelemetry."""
    program = textwrap.dedent(
        f"""
        import asyncio, sys
        from {SERVICE} import create_app
        app = create_app({{"TESTING": True}})
        asyncio.run(app.test_client().get("/"))
        print([name for name in sys.modules if name.startswith("opentelemetry")])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.splitlines()[-1] == "[]"


def test_otel_sdk_disabled_wins_over_tracing(monkeypatch: pytest.MonkeyPatch) -> None:
    """OTEL_SDK_DISABLED=true: no tracing, whatever TRACING says."""
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert tracing_of(create_app({"TESTING": True, "TRACING": True})) is None


def test_tracing_without_its_packages_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """TRACING on where requirements-tracing.txt is not installed: one line saying so."""
    monkeypatch.setitem(sys.modules, "opentelemetry.sdk.trace", None)
    with pytest.raises(SystemExit) as stopped:
        create_app({"TESTING": True, "TRACING": True})
    assert "pip install -r requirements-tracing.txt" in str(stopped.value.code)


async def test_a_request_has_a_span_named_by_its_route_and_its_statements_theirs(
    receiver: OTLPReceiver, database_url: str
) -> None:
    """GET /one: a server span `GET /one`, a child span per statement; the probes have none."""
    app = create_app({"TESTING": True, "TRACING": True, "DATABASE_URL": database_url})
    app.register_blueprint(statements)
    lines = io.StringIO()
    app.config["LOG_FORMAT"] = "json"
    logs.init_app(app, lines)
    async with app.test_app():
        client = app.test_client()
        assert (await client.get("/one")).status_code == 200
        assert (await client.get("/livez")).status_code == 200
    spans = receiver.spans(at_least=2)
    [request] = [span for span in spans if span.kind == SERVER]
    assert (request.name, request.service) == ("GET /one", SERVICE)
    assert request.attributes["http.response.status_code"] == 200
    statements_run = [span for span in spans if span.name.startswith("SELECT ")]
    assert statements_run
    assert {span.parent_id for span in statements_run} == {request.span_id}
    [line] = [
        json.loads(text)
        for text in lines.getvalue().splitlines()
        if '"route"' in text and "/one" in text
    ]
    assert (line["trace_id"], line["span_id"]) == (request.trace_id, request.span_id)


def test_a_trace_crosses_two_services_on_loopback(
    receiver: OTLPReceiver, serve: Callable[..., LiveServer], tmp_path: Path
) -> None:
    """A's server span, its call's client span, and B's server span: one trace, each the parent.

    The two serve docs/downstreams.md's worked example; the token comes from the catalogue's
    development endpoint, outside the trace.
    """
    catalogue = serve(factory=example_factory(tmp_path, "catalogue"), TRACING=True)
    grant = {
        "token_url": f"http://127.0.0.1:{catalogue.port}/development/token",
        "client_id": "orders",
        "client_secret": "development",
        "scope": "products:read",
    }
    caller = serve(
        factory=example_factory(tmp_path, "caller"),
        TRACING=True,
        DOWNSTREAMS={"catalogue": {"url": f"http://127.0.0.1:{catalogue.port}", "auth": grant}},
    )
    status, _, _ = caller.get("/upstream/kettle")
    assert status == 200
    spans = receiver.spans(at_least=4)
    [upstream] = [span for span in spans if span.name == "GET /upstream/<sku>"]
    [call] = [span for span in spans if span.kind == CLIENT and span.name == "GET catalogue"]
    [product] = [
        span for span in spans if span.kind == SERVER and span.name == "GET /products/<sku>"
    ]
    assert call.parent_id == upstream.span_id
    assert product.parent_id == call.span_id
    assert upstream.trace_id == call.trace_id == product.trace_id
    assert not [span for span in spans if "/livez" in span.name or "/readyz" in span.name]
