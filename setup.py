"""Packaging for myservice; the pinned runtime dependencies come from requirements.txt."""

import re
from pathlib import Path

from setuptools import find_packages, setup


def read_requirements(name: str) -> list[str]:
    """The requirement lines of a pip requirements file, without comments or blank lines."""
    lines = (Path(__file__).parent / name).read_text(encoding="utf-8").splitlines()
    return [line for line in (raw.strip() for raw in lines) if line and not line.startswith("#")]


def read_version() -> str:
    """The version, as myservice/version.py gives it."""
    text = (Path(__file__).parent / "myservice" / "version.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    if found is None:
        raise SystemExit("myservice/version.py does not set __version__")
    return found[1]


setup(
    name="myservice",
    version=read_version(),
    description="A Quart microservice that serves JSON, ready for production plumbing",
    long_description=(Path(__file__).parent / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    # The tests and the test support (core/testing/, which imports pytest) do not ship.
    packages=find_packages(
        include=["myservice", "myservice.*"],
        exclude=["myservice.tests*", "myservice.core.tests*", "myservice.core.testing*"],
    ),
    # Alembic's template for new revisions lives beside them.
    package_data={"myservice.migrations": ["script.py.mako"]},
    install_requires=read_requirements("requirements.txt"),
    classifiers=[
        "Framework :: AsyncIO",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Topic :: Internet :: WWW/HTTP :: HTTP Servers",
    ],
)
