"""A message carries the publisher's trace: the consumer's span is part of the request's trace."""

from __future__ import annotations

import pytest

from ...data.database import database
from ...events.without_broker import deliver
from ..items import create_tables
from ..observability.test_tracing import SERVER, receiver
from ..otlp_receiver import OTLPReceiver
from ..plumbing import create_app
from . import shipments
from .consumers import shipping

__all__ = ["receiver"]
CONSUMER = 5  # the span kind of OTLP


@pytest.mark.processes
async def test_the_consumers_spans_continue_the_trace_of_the_request_that_published(
    receiver: OTLPReceiver, database_url: str
) -> None:
    """POST /_ship/1 traced: the message holds its traceparent; each handler's span is a child."""
    settings = {"TESTING": True, "TRACING": True, "DATABASE_URL": database_url}
    app = create_app(settings, shipments)
    app.register_blueprint(shipping)
    async with app.test_app(), app.app_context():
        await create_tables(database().engine)
        assert (await app.test_client().post("/_ship/1")).status_code == 201
        await deliver(app)
    spans = receiver.spans(at_least=4)
    [request] = [span for span in spans if span.kind == SERVER]
    handled = [span for span in spans if span.kind == CONSUMER]
    assert [span.name for span in handled] == ["process parcel.shipped"] * 2  # two handlers
    assert {span.trace_id for span in handled} == {request.trace_id}
    assert {span.parent_id for span in handled} == {request.span_id}
    assert [span.attributes["outcome"] for span in handled] == ["done", "done"]
