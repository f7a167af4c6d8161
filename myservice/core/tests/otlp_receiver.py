"""An OTLP/HTTP trace receiver on 127.0.0.1, for the tests: it keeps the spans it is sent.

Point OTEL_EXPORTER_OTLP_ENDPOINT at `url`; `spans()` gives each span received as a Span.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from ..testing.quiet_server import QuietHTTPServer


@dataclass(frozen=True)
class Span:
    """What a test checks of a span: its service, name, kind, ids and parent."""

    service: str
    name: str
    kind: int
    trace_id: str
    span_id: str
    parent_id: str
    attributes: dict[str, Any]


class OTLPReceiver:
    """The receiver, listening until stop()."""

    def __init__(self) -> None:
        self._received: list[Span] = []
        self._lock = threading.Lock()
        self._server = QuietHTTPServer.started(_handler(self))
        self.url = self._server.url

    def receive(self, body: bytes) -> None:
        """Keep the spans of one export."""
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            service = next(
                attribute.value.string_value
                for attribute in resource_spans.resource.attributes
                if attribute.key == "service.name"
            )
            for scope_spans in resource_spans.scope_spans:
                with self._lock:
                    self._received += [_span(service, span) for span in scope_spans.spans]

    def spans(self, at_least: int = 0, timeout: float = 10.0) -> list[Span]:
        """The spans received, once there are `at_least` of them or `timeout` has passed."""
        deadline = time.monotonic() + timeout
        while len(self._received) < at_least and time.monotonic() < deadline:
            time.sleep(0.05)
        with self._lock:
            return list(self._received)

    def stop(self) -> None:
        """Stop listening."""
        self._server.stop()


def _span(service: str, span: Any) -> Span:
    attributes = {
        attribute.key: getattr(attribute.value, attribute.value.WhichOneof("value"))
        for attribute in span.attributes
    }
    return Span(
        service,
        span.name,
        span.kind,
        span.trace_id.hex(),
        span.span_id.hex(),
        span.parent_span_id.hex(),
        attributes,
    )


def _handler(receiver: OTLPReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.receive(body)
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            """Write nothing: the test's output is the service's."""

    return Handler
