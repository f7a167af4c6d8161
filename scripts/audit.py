"""Check the pinned requirements against the known vulnerabilities, with pip-audit.

`make security` runs it on every requirements file. A pinned version with a known
vulnerability fails it, naming the package, the advisory and the versions that fix it. When
the vulnerability database (PyPI's, which pip-audit asks) cannot be reached, or knows nothing of
the pinned versions, nothing was checked: it says so plainly, and fails only with
AUDIT=required, as a CI that can reach the database sets.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.project import argument_parser

REQUIRED_VARIABLE = "AUDIT"


@dataclass
class Audit:
    """What pip-audit found: vulnerable pins, pins it could not check, and how many it read."""

    vulnerable: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    read: int = 0


def main(argv: list[str] | None = None) -> int:
    """Audit the project's requirements files; 1 for a vulnerability, or an audit not done."""
    arguments = argument_parser(__doc__).parse_args(argv)
    files = sorted(arguments.root.glob("requirements*.txt"))
    done = run_pip_audit(files)
    if isinstance(done, str):
        return report_unreachable(done)
    return report(done)


def run_pip_audit(files: list[Path]) -> Audit | str:
    """pip-audit's findings for the pins of `files`, or why it could not look them up."""
    command = [sys.executable, "-m", "pip_audit", "--no-deps", "--disable-pip", "-f", "json"]
    command += ["--progress-spinner", "off"]
    for path in files:
        command += ["-r", str(path)]
    ran = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    try:
        return parse(json.loads(ran.stdout))
    except ValueError:
        lines = ran.stderr.strip().splitlines() or ["pip-audit said nothing"]
        return lines[-1]


def parse(document: Mapping[str, Any]) -> Audit:
    """The findings of pip-audit's JSON report."""
    audit = Audit()
    for dependency in document.get("dependencies", []):
        audit.read += 1
        name = f"{dependency.get('name')}=={dependency.get('version', '?')}"
        vulns = dependency.get("vulns")
        if dependency.get("skip_reason"):
            audit.unchecked.append(f"{dependency.get('name')}: {dependency['skip_reason']}")
        for vuln in vulns if isinstance(vulns, list) else []:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            audit.vulnerable.append(f"{name}: {vuln.get('id')} (fixed in {fixed})")
    return audit


def report(audit: Audit) -> int:
    """Print the findings; 1 when a pin is vulnerable, or nothing could be checked."""
    for line in audit.vulnerable:
        print(f"make security: vulnerable: {line}", file=sys.stderr)
    if audit.vulnerable:
        return 1
    checked = audit.read - len(audit.unchecked)
    if checked == 0:
        first = audit.unchecked[0] if audit.unchecked else "no pins were read"
        return report_unreachable(f"the database knows none of the {audit.read} pins ({first})")
    print(f"make security: {checked} pinned packages have no known vulnerability")
    for line in audit.unchecked:
        print(f"make security: not checked: {line}")
    return 0


def report_unreachable(reason: str) -> int:
    """Say that nothing was audited, and why; fail only when an audit is required."""
    required = os.environ.get(REQUIRED_VARIABLE) == "required"
    print(
        "make security: the pinned requirements were NOT checked for known vulnerabilities:"
        f" the vulnerability database could not be used ({reason})."
        + ("" if required else f" {REQUIRED_VARIABLE}=required makes this an error."),
        file=sys.stderr,
    )
    return 1 if required else 0


if __name__ == "__main__":
    sys.exit(main())
