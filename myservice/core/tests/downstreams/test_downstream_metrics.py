"""/metrics shows each downstream's breaker from the start, closed."""

from __future__ import annotations

from ..calling import calling_app
from ..downstream_stub import DownstreamStub


async def test_a_downstreams_breaker_is_on_metrics_before_its_first_call(
    stub: DownstreamStub,
) -> None:
    """downstream_circuit_state is 0 (closed) as soon as the app serves."""
    app = calling_app(stub.url)
    async with app.test_app():
        text = await (await app.test_client().get("/metrics")).get_data(as_text=True)
    assert 'downstream_circuit_state{downstream="stub"} 0.0' in text
