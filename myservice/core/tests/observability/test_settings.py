"""The settings of what the service tells about itself: OPERATOR_SCOPE is one scope."""

from __future__ import annotations

import pytest

from ...settings.setting import one_scope


def test_the_operator_scope_is_one_word() -> None:
    """A scope with a space would be two; an empty one none: both refused, saying so."""
    assert one_scope("ops:log-level") == "ops:log-level"
    for wrong in ("ops admin", ""):
        with pytest.raises(ValueError, match="must be one scope, a word without spaces"):
            one_scope(wrong)
