"""GET /info says which build runs: version, commit and build time where known, the runtime."""

from __future__ import annotations

import platform
import re
from importlib import metadata
from pathlib import Path

import pytest

from ... import ServiceApp
from ...observability.build_info import checkout_commit, installed
from ...testing.service import PROJECT
from ..plumbing import create_app


async def info_of(app: ServiceApp) -> dict[str, object]:
    """The app's answer to GET /info."""
    async with app.test_app():
        response = await app.test_client().get("/info")
    assert response.status_code == 200
    answer: dict[str, object] = await response.get_json()
    return answer


async def test_an_image_says_the_commit_and_time_it_was_built_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """BUILD_COMMIT and BUILD_TIME, as the Dockerfile sets them from make image's arguments."""
    monkeypatch.setenv("BUILD_COMMIT", "0123abcd")
    monkeypatch.setenv("BUILD_TIME", "2026-12-05T16:00:00Z")
    answer = await info_of(create_app({"TESTING": True}))
    assert (answer["commit"], answer["built"]) == ("0123abcd", "2026-12-05T16:00:00Z")
    assert answer["python"] == platform.python_version()
    packages = answer["packages"]
    assert isinstance(packages, dict)
    assert packages["quart"] == metadata.version("quart")
    assert packages["uvicorn"] == metadata.version("uvicorn")


async def test_a_checkout_says_its_commit_and_no_build_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the image's variables, git names the commit; the build time is null."""
    monkeypatch.delenv("BUILD_COMMIT", raising=False)
    monkeypatch.delenv("BUILD_TIME", raising=False)
    answer = await info_of(create_app({"TESTING": True}))
    if (PROJECT / ".git").exists():
        assert re.fullmatch(r"[0-9a-f]{40}", str(answer["commit"])), answer["commit"]
    else:
        assert answer["commit"] is None
    assert answer["built"] is None


def test_neither_a_folder_outside_git_nor_a_missing_package_is_an_error(tmp_path: Path) -> None:
    """No .git: no commit; a package that is not installed is left out."""
    assert checkout_commit(tmp_path) is None
    assert installed(("quart", "no-such-package-here")) == {"quart": metadata.version("quart")}
