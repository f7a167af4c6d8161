"""OpenTelemetry tracing, when TRACING is on; nothing of it is imported when it is off.

Each request gets a server span named by its route (`GET /refunds/<int:refund_id>`, never the
raw path), continuing the caller's trace from its `traceparent`; the probes get none. Calls to
downstreams get client spans and carry `traceparent` and `tracestate` on; database statements
get spans of their own. The request's log lines carry its `trace_id` and `span_id`.

The standard variables configure it: OTEL_EXPORTER_OTLP_ENDPOINT (OTLP over HTTP),
OTEL_TRACES_SAMPLER, OTEL_SERVICE_NAME (the service's name by default), and OTEL_SDK_DISABLED,
which turns it off whatever TRACING says. The packages are an optional, pinned set:
`pip install -r requirements-tracing.txt` (the image: `make image TRACING=true`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import structlog

from ..http.routes import route_of
from ..identity import SERVICE, StartupError
from . import probes

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span, Tracer
    from quart import Quart, Request
    from quart.typing import ResponseTypes
    from sqlalchemy.ext.asyncio import AsyncEngine

    from ..http.layers import Answer

# Seconds the exporter may take to send what is left when the worker stops: well inside the
# shutdown bound (serve/supervisor.py).
EXPORT_TIMEOUT = 2
EXTENSION_KEY = __name__


class Tracing:
    """The app's tracer, and the spans it makes."""

    def __init__(self, provider: TracerProvider, untraced: frozenset[str] = frozenset()) -> None:
        """Trace with `provider`; requests to the paths `untraced` (the probes) get no span."""
        from opentelemetry import propagate, trace  # noqa: PLC0415 (only when tracing)

        self.untraced = untraced
        self._provider = provider
        self._tracer: Tracer = provider.get_tracer(SERVICE)
        self._trace = trace
        self._propagate = propagate

    @contextmanager
    def server_span(self, request: Request) -> Iterator[Span]:
        """The span of a request, its trace the caller's; its ids bound to the log lines.

        It is named by its method until it is answered, then by its route: Quart matches the
        route once the request is under way.
        """
        parent = self._propagate.extract(request.headers)  # read without regard to case
        kind = self._trace.SpanKind.SERVER
        with self._tracer.start_as_current_span(request.method, context=parent, kind=kind) as span:
            span.set_attribute("http.request.method", request.method)
            ids = span.get_span_context()
            structlog.contextvars.bind_contextvars(
                trace_id=f"{ids.trace_id:032x}", span_id=f"{ids.span_id:016x}"
            )
            try:
                yield span
            finally:
                structlog.contextvars.unbind_contextvars("trace_id", "span_id")

    @contextmanager
    def client_span(
        self, downstream: str, method: str, headers: MutableMapping[str, str]
    ) -> Iterator[Span]:
        """The span of a call to a downstream; `headers` get its traceparent."""
        kind = self._trace.SpanKind.CLIENT
        with self._tracer.start_as_current_span(f"{method} {downstream}", kind=kind) as span:
            span.set_attribute("http.request.method", method)
            span.set_attribute("server.name", downstream)
            self._propagate.inject(headers)
            yield span

    def inject(self, headers: MutableMapping[str, str]) -> None:
        """Give `headers` (a message's) the traceparent of the current span, if any."""
        self._propagate.inject(headers)

    @contextmanager
    def consumer_span(self, topic: str, handler: str, headers: Mapping[str, str]) -> Iterator[Span]:
        """The span of a handler taking a message: a child of the span that published it."""
        parent = self._propagate.extract(headers)
        kind = self._trace.SpanKind.CONSUMER
        with self._tracer.start_as_current_span(
            f"process {topic}", context=parent, kind=kind
        ) as span:
            span.set_attribute("messaging.operation.type", "process")
            span.set_attribute("messaging.destination.name", topic)
            span.set_attribute("messaging.consumer.group.name", handler)
            yield span

    def watch_database(self, engine: AsyncEngine) -> None:
        """Give each statement the engine runs a span, named by its first word."""
        from sqlalchemy import event  # noqa: PLC0415

        tracer, kind = self._tracer, self._trace.SpanKind.CLIENT
        system = engine.dialect.name

        def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            verb = statement.lstrip().split(" ", 1)[0].upper()
            span = tracer.start_span(f"{verb} {system}", kind=kind)
            span.set_attribute("db.system.name", system)
            _conn.info.setdefault("spans", []).append(span)

        def after(_conn: Any, *_: Any) -> None:
            spans = _conn.info.get("spans")
            if spans:
                spans.pop().end()

        def failed(context: Any) -> None:
            if context.connection is not None:
                spans = context.connection.info.get("spans")
                if spans:
                    span = spans.pop()
                    span.set_status(self._trace.StatusCode.ERROR)
                    span.end()

        event.listen(engine.sync_engine, "before_cursor_execute", before)
        event.listen(engine.sync_engine, "after_cursor_execute", after)
        # First: a listener that raises (data/database.py's, for an unavailable database) stops the
        # ones after it.
        event.listen(engine.sync_engine, "handle_error", failed, insert=True)

    def close(self) -> None:
        """Send the spans not yet sent, within EXPORT_TIMEOUT, and stop."""
        self._provider.force_flush(timeout_millis=EXPORT_TIMEOUT * 1000)
        self._provider.shutdown()


def traced(answer: Answer, app: Quart) -> Answer:
    """The link that answers each request in its server span (the probes in none), if tracing."""
    tracing = tracing_of(app)
    if tracing is None:
        return answer

    async def in_span(request: Request) -> ResponseTypes:
        if request.path in tracing.untraced:
            return await answer(request)
        with tracing.server_span(request) as span:
            response = await answer(request)
            route = route_of(request)
            span.update_name(f"{request.method} {route}")
            span.set_attribute("http.route", route)
            span.set_attribute("http.response.status_code", response.status_code)
            return response

    return in_span


def tracing_of(app: Quart) -> Tracing | None:
    """The app's tracing, or None when it does not trace."""
    return app.extensions.get(EXTENSION_KEY)


def init_app(app: Quart) -> None:
    """Trace the app when TRACING is on and OTEL_SDK_DISABLED is not true."""
    if not app.config["TRACING"] or os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter,
        )
        from opentelemetry.sdk.resources import Resource  # noqa: PLC0415
        from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415
        from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: PLC0415
    except ImportError:
        raise StartupError(
            "TRACING is on, but OpenTelemetry is not installed: pip install -r"
            " requirements-tracing.txt (the image: make image TRACING=true)"
        ) from None
    name = os.environ.get("OTEL_SERVICE_NAME") or SERVICE
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    exporter = OTLPSpanExporter(timeout=EXPORT_TIMEOUT)
    provider.add_span_processor(
        BatchSpanProcessor(exporter, export_timeout_millis=EXPORT_TIMEOUT * 1000)
    )
    tracing = Tracing(provider, probes.paths(app))
    app.extensions[EXTENSION_KEY] = tracing

    @app.before_serving
    async def watch_database() -> None:
        from ..data import database  # noqa: PLC0415 (opened just before)

        tracing.watch_database(app.extensions[database.EXTENSION_KEY].engine)

    @app.after_serving
    async def close_tracing() -> None:
        tracing.close()
