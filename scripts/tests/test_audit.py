"""make security's audit: a vulnerable pin fails it; an audit that could not be done says so."""

from __future__ import annotations

from typing import Any

import pytest

from scripts import audit
from scripts.audit import Audit, parse, report, report_unreachable

VULNERABLE: dict[str, Any] = {
    "dependencies": [
        {"name": "quart", "version": "0.22.0", "vulns": []},
        {
            "name": "jinja2",
            "version": "3.1.2",
            "vulns": [{"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"], "aliases": []}],
        },
    ],
    "fixes": [],
}
UNKNOWN: dict[str, Any] = {
    "dependencies": [
        {"name": "quart", "skip_reason": "Dependency not found on PyPI and could not be audited"},
    ],
    "fixes": [],
}


def test_a_vulnerable_pin_fails_naming_its_advisory_and_fix(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The package, its pinned version, the advisory and the version that fixes it."""
    assert report(parse(VULNERABLE)) == 1
    assert (
        "vulnerable: jinja2==3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)" in capsys.readouterr().err
    )


def test_clean_pins_pass_and_say_how_many_were_checked(capsys: pytest.CaptureFixture[str]) -> None:
    """No vulnerability: 0, and the count of pins the database knew."""
    clean = {"dependencies": VULNERABLE["dependencies"][:1], "fixes": []}
    assert report(parse(clean)) == 0
    assert "1 pinned packages have no known vulnerability" in capsys.readouterr().out


@pytest.mark.parametrize("required", [False, True])
def test_an_audit_not_done_says_so_and_fails_only_when_required(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, required: bool
) -> None:
    """A database that knows none of the pins, or cannot be reached, audited nothing."""
    if required:
        monkeypatch.setenv("AUDIT", "required")
    else:
        monkeypatch.delenv("AUDIT", raising=False)
    assert report(parse(UNKNOWN)) == (1 if required else 0)
    error = capsys.readouterr().err
    assert "were NOT checked for known vulnerabilities" in error
    assert "knows none of the 1 pins" in error
    assert report_unreachable("Connection refused") == (1 if required else 0)
    assert "could not be used (Connection refused)" in capsys.readouterr().err


def test_pip_audit_runs_on_every_requirements_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real pip-audit reads each pinned file; its answer is reported, whatever it is."""
    monkeypatch.delenv("AUDIT", raising=False)
    assert audit.main([]) == 0
    said = capsys.readouterr()
    assert "pinned packages have no known vulnerability" in said.out or "NOT checked" in said.err


def test_the_report_counts_what_it_read() -> None:
    """Every dependency of the report is counted, skipped or not."""
    assert parse(VULNERABLE) == Audit(
        vulnerable=["jinja2==3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)"], unchecked=[], read=2
    )
