"""Consumers are found in the events package, as views are, each named by module and function."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from ...events.handlers import discover_handlers, handlers_of, handles
from ...identity import SERVICE, StartupError
from .test_messages import Shipped

HANDLER = """
from {SERVICE}.core.events.handlers import handles
from {SERVICE}.core.tests.events.test_messages import Shipped

@handles(Shipped)
async def note_shipment(event: Shipped) -> None:
    pass
"""


@pytest.fixture
def package(tmp_path: Path) -> Iterator[Path]:
    """An empty package on sys.path, for a test to write handler modules into."""
    directory = tmp_path / f"_events_{abs(hash(tmp_path))}"
    directory.mkdir()
    (directory / "__init__.py").write_text("")
    sys.path.insert(0, str(tmp_path))
    yield directory
    sys.path.remove(str(tmp_path))


def imported(directory: Path) -> ModuleType:
    """The package in `directory`, imported."""
    import importlib  # noqa: PLC0415

    importlib.invalidate_caches()
    return importlib.import_module(directory.name)


def test_each_module_gives_its_handlers(package: Path) -> None:
    """receipts.py's handler is receipts.note_shipment, taking Shipped's topic; _helpers is skipped."""
    (package / "receipts.py").write_text(textwrap.dedent(HANDLER).replace("{SERVICE}", SERVICE))
    (package / "_helpers.py").write_text("")
    [handler] = discover_handlers(imported(package))
    assert (handler.name, handler.model, handler.topic) == (
        "receipts.note_shipment",
        Shipped,
        "parcel.shipped",
    )
    assert handlers_of([handler], "parcel.shipped") == [handler]
    assert handlers_of([handler], "parcel.lost") == []


def test_a_module_without_a_handler_stops_the_start(package: Path) -> None:
    """A module of the package that handles nothing is a mistake, named in one line."""
    (package / "empty.py").write_text("")
    with pytest.raises(StartupError, match=r"empty has no @handles function"):
        discover_handlers(imported(package))


def test_a_model_without_a_topic_cannot_be_handled() -> None:
    """@handles needs a topic to take messages of."""
    from ...events.messages import Event  # noqa: PLC0415

    with pytest.raises(TypeError, match="has no topic"):
        handles(Event)
