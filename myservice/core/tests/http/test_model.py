"""Model: a body with a member its model does not name is refused, not silently dropped."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ...http.model import Model


class Refund(Model):
    """A body of one member."""

    amount: int


def test_a_member_the_model_does_not_name_is_an_error() -> None:
    """A misspelt member fails loudly, rather than leaving its value unread."""
    assert Refund.model_validate({"amount": 5}).amount == 5
    with pytest.raises(ValidationError, match="amonut"):
        Refund.model_validate({"amount": 5, "amonut": 6})
