"""Core's tests get the skeleton's plumbing alone as their `app` (see plumbing.py)."""

from __future__ import annotations

import pytest

from .. import ServiceApp
from .plumbing import create_app


@pytest.fixture
def app() -> ServiceApp:
    """A fresh app in test mode, without the service's views."""
    return create_app({"TESTING": True})
