"""`make consumer NAME=<name> TOPIC=<topic>` writes a discovered, tested consumer, or refuses to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import new_consumer, new_view
from scripts.project import run_python
from scripts.tests.conftest import refusal

NAME, TOPIC = "send_receipts", "refunds.created"


def test_a_consumer_is_found_received_in_the_contract_and_its_test_passes(
    project: Path, capsys: pytest.CaptureFixture[str], without_coverage: None
) -> None:
    """The module, its test and asyncapi.json, which receives the topic; its test passes."""
    assert new_consumer.main([NAME, "--topic", TOPIC, "--root", str(project)]) == 0
    assert capsys.readouterr().out.splitlines()[:4] == [
        f"wrote myservice/events/{NAME}.py",
        f"wrote myservice/tests/test_{NAME}.py",
        "wrote openapi.json",
        "wrote asyncapi.json",
    ]
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


JOURNEY = """
from myservice.core import deliver


async def test_a_refund_reaches_the_receipts(app, signed_in) -> None:
    client = signed_in("refunds:read", "refunds:write")
    response = await client.post("/refunds", json={"name": "shoes", "quantity": 2})
    assert response.status_code == 201
    outcomes = await deliver(app)
    assert [outcome.state for outcome in outcomes] == ["done"]
"""


def test_a_consumer_of_a_views_event_takes_its_real_messages(
    project: Path, capsys: pytest.CaptureFixture[str], without_coverage: None
) -> None:
    """Make view, then make consumer of its topic: a real POST's event is done, not dead.

    The consumer's model has the publisher's fields and a class name of its own, and
    asyncapi.json is refreshed: the whole suite passes, its snapshot test included.
    """
    new_view.write_view(project, "refunds")
    assert new_consumer.main([NAME, "--topic", TOPIC, "--root", str(project)]) == 0
    assert "wrote asyncapi.json" in capsys.readouterr().out
    consumer = (project / "myservice" / "events" / f"{NAME}.py").read_text()
    assert 'class SendReceiptsMessage(Event, topic="refunds.created")' in consumer
    assert "\n    id: int\n    name: str\n    quantity: int\n" in consumer
    (project / "myservice" / "tests" / "test_journey.py").write_text(JOURNEY)
    marks = "not commands and not browser and not processes"  # make test's
    tests = run_python(
        project, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", marks, "myservice"
    )
    assert tests.returncode == 0, tests.stdout


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
