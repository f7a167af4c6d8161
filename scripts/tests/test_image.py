"""`make image`: builds with the engine it finds, and says plainly when there is none."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import myservice
from scripts.project import ROOT

# A stand-in for docker: `info` answers as told, every other command is recorded.
FAKE_ENGINE = """#!/bin/sh
if [ "$1" = info ]; then exit {info_status}; fi
printf '%s\\n' "$@" > "{record}"
"""


def make_image(*arguments: str) -> subprocess.CompletedProcess[str]:
    """Run `make image` in the project with the given make arguments."""
    command = ["make", "--no-print-directory", "-C", str(ROOT), "image", *arguments]
    return subprocess.run(command, capture_output=True, text=True, check=False, env=os.environ)


def fake_engine(directory: Path, info_status: int) -> tuple[Path, Path]:
    """A fake engine whose `info` exits with `info_status`; it and the file it records to."""
    engine, record = directory / "docker", directory / "arguments"
    engine.write_text(FAKE_ENGINE.format(info_status=info_status, record=record))
    engine.chmod(0o755)
    return engine, record


def test_without_an_engine_it_says_so_and_fails() -> None:
    """No docker and no podman: one line that says what to install, and a failing status."""
    done = make_image("ENGINE=")
    assert done.returncode != 0
    assert "make image: no container engine: install Docker or Podman" in done.stderr


def test_an_engine_that_is_not_installed_is_named(tmp_path: Path) -> None:
    """ENGINE=podman where podman is missing says so, rather than blaming a stopped engine."""
    done = make_image(f"ENGINE={tmp_path / 'podman'}")
    assert done.returncode != 0
    assert f"make image: no container engine: {tmp_path / 'podman'} is not installed" in done.stderr


def test_podman_builds_in_dockers_format_which_keeps_the_healthcheck(tmp_path: Path) -> None:
    """Podman's default OCI format drops HEALTHCHECK; the build asks for Docker's."""
    engine, record = fake_engine(tmp_path, info_status=0)
    podman = engine.rename(tmp_path / "podman")
    assert make_image(f"ENGINE={podman}").returncode == 0
    assert record.read_text().splitlines()[:4] == ["build", "--pull", "--format", "docker"]


def test_with_an_engine_that_is_not_running_it_says_so_and_fails(tmp_path: Path) -> None:
    """A client without an engine (as on many CI machines) fails before building anything."""
    engine, record = fake_engine(tmp_path, info_status=1)
    done = make_image(f"ENGINE={engine}")
    assert done.returncode != 0
    assert "is installed but no container engine is running" in done.stderr
    assert not record.exists()


def test_it_builds_the_image_tagged_with_the_version(tmp_path: Path) -> None:
    """The tag is the name deploy/ runs, with the package's version, passed to the build too."""
    engine, record = fake_engine(tmp_path, info_status=0)
    done = make_image(f"ENGINE={engine}")
    assert done.returncode == 0, done.stderr
    version = myservice.__version__
    image = f"{myservice.__name__.replace('_', '-')}:{version}"
    expected = ["build", "--pull", "--build-arg", f"VERSION={version}", "--tag", image, "."]
    assert record.read_text().splitlines() == expected
