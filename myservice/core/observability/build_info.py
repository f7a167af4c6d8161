"""What runs: the service's version, its commit and build time, Python and the key packages.

GET /info (probes.py) answers it, for whoever asks which build a pod runs, as Spring Boot's
/actuator/info does. An image built by `make image` knows its commit and build time from
BUILD_COMMIT and BUILD_TIME, which the Dockerfile sets from the build's arguments; a checkout
asks git for its commit, and has no build time. Read once, when the app is made.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess  # nosec B404  # git, asked for the checkout's commit
from importlib import metadata
from pathlib import Path

from quart import Quart

from ..http.model import Model
from ..http.service import service_of

EXTENSION_KEY = __name__
# The packages whose versions say most about how a request is served.
KEY_PACKAGES = ("quart", "uvicorn", "sqlalchemy", "pydantic", "aiohttp", "aio-pika", "structlog")
GIT_TIMEOUT = 2.0


class BuildInfo(Model):
    """Which build runs: the version, the commit and build time where known, and the runtime."""

    name: str
    version: str
    commit: str | None
    built: str | None
    python: str
    packages: dict[str, str]


def init_app(app: Quart) -> None:
    """Read what runs, once."""
    service = service_of(app)
    # The package's parent: a checkout's root, or site-packages once installed.
    root = service.migrations.parent.parent
    app.extensions[EXTENSION_KEY] = BuildInfo(
        name=app.name,
        version=service.version,
        commit=os.environ.get("BUILD_COMMIT") or checkout_commit(root),
        built=os.environ.get("BUILD_TIME") or None,
        python=platform.python_version(),
        packages=installed(KEY_PACKAGES),
    )


def build_info_of(app: Quart) -> BuildInfo:
    """What init_app() read."""
    info: BuildInfo = app.extensions[EXTENSION_KEY]
    return info


def checkout_commit(root: Path) -> str | None:
    """The commit checked out at `root`, if it is a git checkout and git answers; else None."""
    git = shutil.which("git")
    if git is None or not (root / ".git").exists():
        return None
    try:
        done = subprocess.run(  # noqa: S603  # nosec B603  # a fixed command
            [git, "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and commit else None


def installed(names: tuple[str, ...]) -> dict[str, str]:
    """The version of each of `names` that is installed."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions
