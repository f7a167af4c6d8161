"""The caller a verified token speaks for: what views and the request log see of it."""

from __future__ import annotations

import dataclasses

import pytest

from ...http.caller import Caller


def test_a_caller_never_prints_its_claims() -> None:
    """A caller in a log line or a traceback shows its subject and scopes, never the claims."""
    caller = Caller("alice", frozenset({"refunds:read"}), {"email": "alice@example.com"})
    assert "alice@example.com" not in repr(caller)
    assert "alice" in repr(caller)


def test_a_caller_cannot_be_changed_by_a_view() -> None:
    """What the gate verified stays so for the rest of the request."""
    caller = Caller("alice", frozenset(), {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        caller.subject = "mallory"  # type: ignore[misc]
