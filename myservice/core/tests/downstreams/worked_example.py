"""docs/downstreams.md's worked example as the tests serve it: its views in a copy of the plumbing."""

from __future__ import annotations

from pathlib import Path

from ...identity import SERVICE
from ...testing.guides import examples, guide

VIEWS = ("products", "upstream")


def example_views() -> dict[str, str]:
    """The example's views, by module name, as a team drops them in."""
    pages = examples(guide("downstreams.md"))
    return {name: pages[f"{SERVICE}/views/{name}.py"] for name in VIEWS}


def example_factory(directory: Path, name: str) -> str:
    """A factory, importable from `directory`, of the plumbing with the example's views.

    Each copy served gets its own `name`, so that no two write the same package at once.
    """
    (directory / name).mkdir()
    (directory / f"{name}_app.py").write_text(
        "from pathlib import Path\n"
        f"from {SERVICE}.core.tests.plumbing import create_app_with_views\n"
        f"from {SERVICE}.core.tests.downstreams.worked_example import example_views\n\n\n"
        "def create_app():\n"
        f"    return create_app_with_views(Path({str(directory / name)!r}), example_views())\n"
    )
    return f"{name}_app:create_app"
