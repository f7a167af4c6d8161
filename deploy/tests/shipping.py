"""The shipping files as the tests read them: the Dockerfile, deploy/'s manifests, the workflow."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

from myservice.core.testing.service import PROJECT as REPO

DEPLOY = REPO / "deploy" / "base"
WORKFLOW = REPO / ".github" / "workflows" / "check.yml"


def manifest(name: str) -> dict[str, Any]:
    """One YAML document of deploy/."""
    document: dict[str, Any] = yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))
    return document


def pod_spec() -> dict[str, Any]:
    """The Deployment's pod template spec."""
    spec: dict[str, Any] = manifest("deployment.yaml")["spec"]["template"]["spec"]
    return spec


def container() -> dict[str, Any]:
    """The Deployment's one container."""
    [only] = pod_spec()["containers"]
    result: dict[str, Any] = only
    return result


def workflow_job(name: str) -> dict[str, Any]:
    """One job of the CI workflow."""
    workflow: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    job: dict[str, Any] = workflow["jobs"][name]
    return job


def dockerfile_instructions(name: str, *, last_stage: bool = False, root: Path = REPO) -> list[str]:
    """The arguments of every `name` instruction of the Dockerfile, continuation lines joined.

    `last_stage`: of the image's own stage only, the one that runs; `root`: another project's.
    """
    text = (root / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = text.splitlines()
    if last_stage:
        starts = [number for number, line in enumerate(lines) if line.startswith("FROM ")]
        lines = lines[starts[-1] :]
    return [line.split(None, 1)[1] for line in lines if line.startswith(f"{name} ")]


def image_environment(root: Path = REPO) -> dict[str, str]:
    """The variables the Dockerfile's ENV instructions set (of the project in `root`)."""
    pairs = [shlex.split(arguments) for arguments in dockerfile_instructions("ENV", root=root)]
    return dict(pair.split("=", 1) for words in pairs for pair in words)
