"""The Host layer: an HTTP/1.1 request must name its host; other versions need not."""

from __future__ import annotations

from typing import cast

import pytest
from hypercorn.typing import HTTPScope

from ...http.host_header import lacks_host


@pytest.mark.parametrize(
    ("version", "headers", "lacking"),
    [
        ("1.1", [], True),
        ("1.1", [(b"x-host", b"a")], True),
        ("1.1", [(b"host", b"a")], False),
        ("1.0", [], False),
        ("2", [], False),
    ],
)
def test_only_http_1_1_needs_its_host(
    version: str, headers: list[tuple[bytes, bytes]], lacking: bool
) -> None:
    """HTTP/1.0 may leave Host out, HTTP/2 names it in :authority; HTTP/1.1 must send it."""
    scope = cast(HTTPScope, {"http_version": version, "headers": headers})
    assert lacks_host(scope) is lacking
