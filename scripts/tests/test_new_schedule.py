"""`make schedule NAME=<name> CRON=...` (or EVERY=) writes a fired, tested job, or refuses to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import new_schedule
from scripts.project import run_python
from scripts.tests.conftest import refusal

NAME = "nightly_report"


def test_a_scheduled_job_is_listed_in_the_contract_and_its_test_passes(
    project: Path, capsys: pytest.CaptureFixture[str], without_coverage: None
) -> None:
    """The module, its test and asyncapi.json, which sends and receives it; its test passes."""
    argv = [NAME, "--cron", "0 3 * * *", "--zone", "Europe/Paris", "--root", str(project)]
    assert new_schedule.main(argv) == 0
    assert capsys.readouterr().out.splitlines()[:4] == [
        f"wrote myservice/events/{NAME}.py",
        f"wrote myservice/tests/test_{NAME}.py",
        "wrote openapi.json",
        "wrote asyncapi.json",
    ]
    job = (project / "myservice" / "events" / f"{NAME}.py").read_text()
    assert 'topic="nightly_report", cron="0 3 * * *", zone="Europe/Paris"' in job
    contract = json.loads((project / "asyncapi.json").read_text())
    assert contract["operations"][f"{NAME}_{NAME}"]["action"] == "receive"
    assert contract["operations"]["send_nightly_report_NightlyReport"]["action"] == "send"
    assert (
        "cron '0 3 * * *' in Europe/Paris"
        in (contract["components"]["messages"]["NightlyReport"]["description"])
    )
    assert new_schedule.main(["purge", "--every", "7200", "--root", str(project)]) == 0
    purge = (project / "myservice" / "events" / "purge.py").read_text()
    assert 'topic="purge", every=timedelta(hours=2)' in purge
    tests = run_python(
        project,
        *("-m", "pytest", "-q", "-p", "no:cacheprovider"),
        *(f"myservice/tests/test_{NAME}.py", "myservice/tests/test_purge.py"),
        "myservice/core/tests/events/test_asyncapi.py",
    )
    assert tests.returncode == 0, tests.stdout
    lint = run_python(project, "-m", "ruff", "check", "myservice/events", "myservice/tests")
    assert lint.returncode == 0, lint.stdout


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["report"], "one of the two"),
        (["report", "--cron", "0 3 * * *", "--every", "60"], "one of the two"),
        (["report", "--cron", "0 3 * *"], "CRON='0 3 * *' is not a cron expression"),
        (["report", "--cron", "0 3 * * *", "--zone", "Mars/Olympus"], "ZONE='Mars/Olympus'"),
        (["report", "--every", "0"], "EVERY=0"),
        (["Report", "--every", "60"], "is not a valid job name"),
    ],
)
def test_a_bad_name_or_schedule_is_refused_and_nothing_written(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], reason: str
) -> None:
    """One line on standard error says what to give; no file changes."""
    refusal(new_schedule.main, argv, project)
    assert reason in capsys.readouterr().err
