"""The OpenAPI side of Idempotency-Key: only an @idempotent view takes the header."""

from __future__ import annotations

from typing import Any

from ...api import idempotency_key
from ...data.idempotent import idempotent


async def plain() -> None:
    """A view without the decorator."""


def test_only_an_idempotent_view_is_documented_with_the_header() -> None:
    """The parameter, the problems and Idempotent-Replayed go to @idempotent views alone."""
    operation: dict[str, Any] = {"responses": {"201": {"description": "Created"}, "400": {}}}
    idempotency_key.document(plain, operation)
    assert "parameters" not in operation
    assert idempotency_key.problem_statuses(plain) == set()
    idempotency_key.document(idempotent(plain), operation)
    assert [p["name"] for p in operation["parameters"]] == ["Idempotency-Key"]
    assert "Idempotent-Replayed" in operation["responses"]["201"]["headers"]
    assert "headers" not in operation["responses"]["400"]
    assert idempotency_key.problem_statuses(idempotent(plain)) == {400, 409, 422}
