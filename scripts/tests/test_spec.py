"""`make spec` rewrites the API snapshot from the app, and says so when the app cannot start."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import spec


def test_the_snapshot_is_rewritten_from_the_app(
    project: Path, capsys: pytest.CaptureFixture[str], without_coverage: None
) -> None:
    """A stale snapshot is replaced by the app's document, sorted and indented for review."""
    (project / "openapi.json").write_text("{}\n")
    assert spec.main(["--root", str(project)]) == 0
    assert capsys.readouterr().out.startswith("wrote openapi.json")
    text = (project / "openapi.json").read_text()
    assert text.startswith('{\n  "components": {')
    assert json.loads(text)["info"]["title"] == "myservice"
    assert json.loads((project / "asyncapi.json").read_text())["asyncapi"] == "3.0.0"


def test_an_app_that_cannot_start_is_reported(
    project: Path, capsys: pytest.CaptureFixture[str], without_coverage: None
) -> None:
    """A settings mistake is reported with the app's own message, and the exit status is 1."""
    (project / "settings.yml").write_text("DEBUG: maybe\n")
    assert spec.main(["--root", str(project)]) == 1
    assert "DEBUG must be true or false" in capsys.readouterr().err
