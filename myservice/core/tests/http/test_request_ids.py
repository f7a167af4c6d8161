"""Every response carries a request id: the client's when it is safe, a fresh one otherwise."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client

from ...http.access import public
from ...identity import SERVICE

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize(
    "sent", ["abc", "req-2026.11_21", "A" * 128, "0", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"]
)
async def test_a_safe_client_id_is_echoed(client: Client, sent: str) -> None:
    """An id of up to 128 letters, digits, dots, underscores and hyphens comes back unchanged."""
    response = await client.get("/", headers={"X-Request-ID": sent})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == sent


async def test_a_missing_id_is_generated(client: Client) -> None:
    """Without the header, the service makes a new id for each request."""
    first = (await client.get("/")).headers["X-Request-ID"]
    second = (await client.get("/")).headers["X-Request-ID"]
    assert GENERATED.fullmatch(first)
    assert GENERATED.fullmatch(second)
    assert first != second


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "A" * 129,
        "abc def",
        "abc\\ndef",
        "id;rm -rf /",
        '"}{"level":"error',
        "<script>",
        "ключ",
        "abc/../def",
    ],
    ids=[
        "empty",
        "too-long",
        "space",
        "backslash",
        "shell",
        "json-injection",
        "markup",
        "non-ascii",
        "path",
    ],
)
async def test_an_unsafe_client_id_is_replaced(client: Client, hostile: str) -> None:
    """An id that is too long or has other characters is not trusted: a new one replaces it."""
    response = await client.get("/", headers={"X-Request-ID": hostile})
    assert response.status_code == 200
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


@pytest.mark.parametrize("path", ["/", "/no/such/path", "/livez", "/metrics"])
async def test_every_response_carries_an_id(client: Client, path: str) -> None:
    """Errors and plumbing endpoints echo the id too."""
    response = await client.get(path, headers={"X-Request-ID": "trace-me"})
    assert response.headers["X-Request-ID"] == "trace-me"


async def test_the_id_reaches_a_500_problem(app: Quart) -> None:
    """A server error's problem body names the id the client sent, for its bug report."""

    @app.get("/crash")
    @public
    async def crash() -> str:
        raise RuntimeError("boom")

    response = await app.test_client().get("/crash", headers={"X-Request-ID": "quote-me"})
    assert response.status_code == 500
    assert (await response.get_json(force=True))["request_id"] == "quote-me"


@pytest.mark.processes  # a Python of its own: 2 s, for make test-servers
def test_a_forked_process_makes_ids_of_its_own() -> None:
    """A server that forks its workers must not give two requests one id."""
    program = textwrap.dedent(
        f"""
        import os
        from {SERVICE}.core.http.request_ids import assign_request_id
        print(assign_request_id(None), flush=True)
        if os.fork() == 0:
            print(assign_request_id(None), flush=True)
            os._exit(0)
        os.wait()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=30, check=True
    )
    parent, child = done.stdout.split()
    assert GENERATED.fullmatch(child)
    assert child[:16] != parent[:16]
