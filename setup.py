"""Packaging for myservice; the pinned runtime dependencies come from requirements.txt."""

from pathlib import Path

from setuptools import find_packages, setup


def read_requirements(name: str) -> list[str]:
    """The requirement lines of a pip requirements file, without comments or blank lines."""
    lines = (Path(__file__).parent / name).read_text(encoding="utf-8").splitlines()
    return [line for line in (raw.strip() for raw in lines) if line and not line.startswith("#")]


setup(
    name="myservice",
    version="0.1.0",
    description="A Quart microservice that serves JSON, ready for production plumbing",
    long_description=(Path(__file__).parent / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["myservice", "myservice.*"], exclude=["myservice.tests*"]),
    install_requires=read_requirements("requirements.txt"),
    classifiers=[
        "Framework :: AsyncIO",
        "Programming Language :: Python :: 3 :: Only",
        "Topic :: Internet :: WWW/HTTP :: HTTP Servers",
    ],
)
