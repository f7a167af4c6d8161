"""`make consumer NAME=<name> TOPIC=<topic>` writes a discovered, tested consumer, or refuses to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import new_consumer
from scripts import spec as spec_command
from scripts.project import run_python
from scripts.tests.conftest import refusal

NAME, TOPIC = "send_receipts", "refunds.created"


def test_a_consumer_is_found_received_in_the_contract_and_its_test_passes(
    project: Path, capsys: pytest.CaptureFixture[str], without_coverage: None
) -> None:
    """The module and its test; asyncapi.json receives the topic once make spec has run."""
    assert new_consumer.main([NAME, "--topic", TOPIC, "--root", str(project)]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == [
        f"wrote myservice/events/{NAME}.py",
        f"wrote myservice/tests/test_{NAME}.py",
    ]
    assert spec_command.main(["--root", str(project)]) == 0
    contract = json.loads((project / "asyncapi.json").read_text())
    assert contract["operations"][f"{NAME}_{NAME}"]["action"] == "receive"
    assert contract["channels"]["refunds_created"]["address"] == TOPIC
    tests = run_python(
        project,
        *("-m", "pytest", "-q", "-p", "no:cacheprovider"),
        *(f"myservice/tests/test_{NAME}.py", "myservice/core/tests/events/test_asyncapi.py"),
    )
    assert tests.returncode == 0, tests.stdout
    lint = run_python(project, "-m", "ruff", "check", "myservice/events", "myservice/tests")
    assert lint.returncode == 0, lint.stdout


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["receipts", "--topic", "Refunds Created"], "is not a topic"),
        (["receipts"], "is not a topic"),
        (["Receipts", "--topic", TOPIC], "is not a valid consumer name"),
    ],
)
def test_a_bad_name_or_topic_is_refused_and_nothing_written(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], reason: str
) -> None:
    """One line on standard error says what to give; no file changes."""
    refusal(new_consumer.main, argv, project)
    assert reason in capsys.readouterr().err
