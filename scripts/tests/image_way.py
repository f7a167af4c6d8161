"""The image's way of running, where no container engine is: its wheel, its files, its user.

The Dockerfile installs the service's wheel into an environment, copies settings.yml into an
otherwise empty working directory, and runs as an unprivileged user on a read-only filesystem,
where /data alone may be written. `install_like_the_image` does the same on this machine: the
wheel built from a project, installed on its own, in directories the service cannot write, run
without any privilege (as root: with every capability dropped, so file modes bind it too).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from deploy.tests.shipping import dockerfile_instructions, image_environment
from myservice.core.testing.live_server import LiveServer, free_port

# Root with no capability is held by file modes as any user is; another user needs no change.
UNPRIVILEGED = (
    ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs", "--"]
    if os.geteuid() == 0
    else []
)
IMAGE_DATA = "/data"


@dataclass
class ImageWay:
    """A project's wheel installed as its image holds it, and how to run commands there."""

    project: Path
    root: Path

    @property
    def app(self) -> Path:
        """The working directory: the files the image copies there, nothing else."""
        return self.root / "app"

    @property
    def data(self) -> Path:
        """The one directory the service may write, /data in the image."""
        return self.root / "data"

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The image's ENV, /data mapped here, the wheel before anything installed, and `extra`."""
        image = {
            name: value.replace(IMAGE_DATA, str(self.data))
            for name, value in image_environment(self.project).items()
            if name != "PATH"
        }
        return {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "PYTHONPATH": str(self.root / "lib"),
            **image,
            "HOST": "127.0.0.1",
            **(extra or {}),
        }

    def run(
        self, command: list[str], extra: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run `command` as the image would, to its end."""
        return subprocess.run(
            [*UNPRIVILEGED, *command],
            cwd=self.app,
            env=self.environment(extra),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def serve(self, extra: Mapping[str, str] | None = None) -> LiveServer:
        """Start the image's CMD and wait until it answers."""
        command = json.loads(dockerfile_instructions("CMD", root=self.project)[-1])
        port = free_port()
        return LiveServer.start(
            [*UNPRIVILEGED, *command],
            port=port,
            cwd=self.app,
            env=self.environment({"PORT": str(port), **(extra or {})}),
            path="/livez",
        )


def install_like_the_image(project: Path, root: Path) -> ImageWay:
    """Build `project`'s wheel and lay it out under `root` as its Dockerfile does."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    wheels = root / "wheels"
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--wheel-dir", str(wheels), str(project)], check=True
    )
    [wheel] = wheels.glob("*.whl")
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(root / "lib"), str(wheel)], check=True
    )
    way = ImageWay(project, root)
    way.app.mkdir()
    for copy in dockerfile_instructions("COPY", last_stage=True, root=project):
        *sources, _target = copy.split()
        if not copy.startswith("--from="):  # the build stage's environment: the wheel's here
            for source in sources:
                shutil.copy2(project / source, way.app / source)
    way.data.mkdir(mode=0o700)
    for directory in (way.app, root / "lib"):
        for path in [directory, *directory.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
    return way
