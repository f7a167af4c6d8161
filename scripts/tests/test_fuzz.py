"""`make fuzz` passes on the shipped service and fails, non-zero, on a service that breaks."""

from __future__ import annotations

from pathlib import Path

import pytest

from myservice.core.testing.guides import examples, guide
from scripts import fuzz
from scripts.project import run_python

BROKEN_VIEW = '''\
"""A view that fails on an input its schema allows."""

from quart import Blueprint

from myservice.core import Model, public, validate_request, validate_response

blueprint = Blueprint("ratios", __name__)


class Operands(Model):
    """Two integers."""

    numerator: int
    denominator: int


class Ratio(Model):
    """Their ratio."""

    ratio: float


@blueprint.post("/ratios")
@public
@validate_request(Operands)
@validate_response(Ratio)
async def divide(data: Operands) -> Ratio:
    """Divide, forgetting that the denominator may be 0."""
    return Ratio(ratio=data.numerator / data.denominator)
'''


def test_the_shipped_service_is_fuzzed_clean(capsys: pytest.CaptureFixture[str]) -> None:
    """A bounded run over every documented operation of this project finds nothing."""
    assert fuzz.main(["--max-examples", "20"]) == 0
    assert capsys.readouterr().out.startswith("==> ")


def test_a_failure_found_by_fuzzing_makes_the_run_fail(
    project: Path, without_coverage: None
) -> None:
    """A division by zero the schema allows is found, and the exit status says so."""
    (project / "myservice" / "views" / "ratios.py").write_text(BROKEN_VIEW)
    found = run_python(project, "-m", "scripts.fuzz", "--max-examples", "20")
    assert found.returncode == 1, found.stdout[-3000:]
    assert "Server error" in found.stdout
    assert "POST /ratios" in found.stdout


def test_a_downstream_out_of_reach_is_no_fault_of_the_service(
    project: Path, without_coverage: None
) -> None:
    """docs/downstreams.md's view, with no catalogue configured, answers its documented 503: clean."""
    view = examples(guide("downstreams.md"))["myservice/views/upstream.py"]
    (project / "myservice" / "views" / "upstream.py").write_text(view)
    found = run_python(project, "-m", "scripts.fuzz", "--max-examples", "20")
    assert found.returncode == 0, found.stdout[-3000:]
    assert "Server error" not in found.stdout


def test_a_server_that_does_not_start_is_reported(
    project: Path, capsys: pytest.CaptureFixture[str], without_coverage: None
) -> None:
    """A settings mistake stops the server; fuzz says so with the server's own words."""
    (project / "settings.yml").write_text("DEBUG: maybe\n")
    assert fuzz.main(["--root", str(project)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("make fuzz: the server did not start")
    assert "DEBUG must be true or false" in error
