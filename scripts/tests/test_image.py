"""The image: built with the engine `make image` finds, then run as the CI job runs it.

Where no engine is, the wheel is run the image's way: read-only, unprivileged, from /app.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

import myservice
from deploy.tests.shipping import pod_spec, workflow_job
from myservice.core.testing.key_server import KeyServer
from scripts.project import ROOT
from scripts.tests.image_way import ImageWay, install_like_the_image

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
    """The tag is the name deploy/ runs, with the package's version, passed to the build too.

    So are the commit and the time of the build, which GET /info says.
    """
    engine, record = fake_engine(tmp_path, info_status=0)
    done = make_image(f"ENGINE={engine}")
    assert done.returncode == 0, done.stderr
    version = myservice.__version__
    image = f"{myservice.__name__.replace('_', '-')}:{version}"
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    *arguments, built = record.read_text().splitlines()[:8]
    assert arguments == [
        *("build", "--pull", "--build-arg", f"VERSION={version}"),
        *("--build-arg", f"COMMIT={head}", "--build-arg"),
    ]
    assert re.fullmatch(r"BUILT=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", built), built
    assert record.read_text().splitlines()[8:] == ["--tag", image, "."]


@pytest.fixture(scope="module")
def image_way(tmp_path_factory: pytest.TempPathFactory) -> ImageWay:
    """The skeleton's wheel, laid out as its image holds it."""
    return install_like_the_image(ROOT, tmp_path_factory.mktemp("image"))


def test_the_image_migrates_then_serves_ready_read_only_and_unprivileged(
    image_way: ImageWay,
) -> None:
    """The init container's command migrates /data; the CMD then serves, ready, and drains to 0.

    With the identity settings the CI job gives the container, pointed at a key server here.
    """
    [migrate] = pod_spec()["initContainers"]
    identity = {
        name: value for name, value in workflow_job("image")["env"].items() if "_AUTH_" in name
    }
    keys = KeyServer(audience=identity["MYSERVICE_AUTH_AUDIENCE"])
    keys.issuer = identity["MYSERVICE_AUTH_ISSUER"]
    identity["MYSERVICE_AUTH_JWKS_URL"] = keys.url
    where = image_way.run(["python", "-c", "import myservice; print(myservice.__file__)"])
    assert where.stdout.startswith(str(image_way.root / "lib")), where
    done = image_way.run(migrate["command"])
    assert done.returncode == 0, done.stderr
    server = image_way.serve({"MYSERVICE_SECRET_KEY": "ci", **identity})
    try:
        status, _, body = server.get("/readyz")
        assert status == 200, body
        assert json.loads(body)["checks"] == {"database": "passed", "auth_keys": "passed"}
    finally:
        assert server.stop(signal.SIGTERM) == 0, "".join(server.lines)
