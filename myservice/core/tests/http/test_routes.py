"""What a request is named by in logs, metrics and spans: never what the client sent."""

from __future__ import annotations

import pytest

from ...http.routes import method_label
from ..plumbing import create_app


@pytest.mark.parametrize(
    ("method", "label"), [("GET", "GET"), ("PATCH", "PATCH"), ("BREW", "other"), ("get", "other")]
)
def test_a_method_is_named_only_when_it_is_standard(method: str, label: str) -> None:
    """A made-up method cannot add a metric label of its own."""
    assert method_label(method) == label


async def test_a_path_is_named_by_its_rule_or_as_unmatched() -> None:
    """Any path that matches no route is one label, however many the clients make up."""
    app = create_app({"TESTING": True})
    client = app.test_client()
    await client.get("/made-up/path/1")
    await client.get("/made-up/path/2")
    metrics = await (await client.get("/metrics")).get_data(as_text=True)
    assert 'route="unmatched"' in metrics
    assert "made-up" not in metrics
