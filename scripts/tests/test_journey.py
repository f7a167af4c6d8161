"""A team's first day, end to end, on a fresh copy, with `make` as the README and docs/ give it.

Rename; scaffold a stored resource and a consumer of its `created` events; drop in the worked
examples of docs/ (the WebSocket, the events, the calls) where the pages say, their tests too;
record the contracts; then the checks CI runs, the production server, the worker on RabbitMQ
taking an event a real POST published, and the image's way of serving. Each feature has its
own tests; this one holds where they meet.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import aio_pika
import pytest

from myservice.core.testing.guides import examples, written_for
from myservice.core.testing.key_server import KeyServer
from myservice.core.testing.live_server import LiveServer, free_port
from myservice.core.testing.service import json_lines
from scripts.tests.conftest import copy_project, git
from scripts.tests.image_way import install_like_the_image

PACKAGE, VIEW, CONSUMER, SCHEDULE = "payments", "refunds", "send_receipts", "purge_drafts"
TOPIC = f"{VIEW}.created"
PREFIX = f"{PACKAGE.upper()}_"
BROKER = os.environ.get("TEST_BROKER_URL")
# What a team's shell does not have: this run's own make, coverage, test servers and settings.
NOT_A_TEAMS_SHELL = (
    "MAKE",
    "MFLAGS",
    "COVERAGE_",
    "TEST_",
    "PYTEST_",
    "HYPOTHESIS_",
    "VIRTUAL_ENV",
)
# A page's worked example: a block of Python, after a sentence that names its file and a colon.

pytestmark = [
    pytest.mark.commands,
    pytest.mark.skipif(
        BROKER is None, reason="make test-all runs it, on the RabbitMQ of the machine"
    ),
]


def team_shell(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a person's shell: none of this test run's, none of the service's.

    Temporary files go beside `root`: pytest removes all but the latest three temporary
    directories of a root it shares, which could be this run's own.
    """
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith((*NOT_A_TEAMS_SHELL, "MYSERVICE_", PREFIX, "QUART_", "PYTHONPATH"))
    }
    temporary = root.with_name(f"{root.name}-tmp")
    temporary.mkdir(exist_ok=True)
    return {**kept, "TMPDIR": str(temporary), **extra}


def make(root: Path, *arguments: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run `make` in `root` as a person does, to its end."""
    return subprocess.run(
        ["make", "--no-print-directory", *arguments],
        cwd=root,
        env=team_shell(root, **extra),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def made(root: Path, *arguments: str, **extra: str) -> str:
    """Run `make` in `root` and give its standard output; fail, showing its end, unless it passes."""
    done = make(root, *arguments, **extra)
    assert done.returncode == 0, (
        f"make {' '.join(arguments)}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    )
    return done.stdout


def drop_in_the_examples(root: Path, package: str) -> list[str]:
    """Write every worked example of docs/ to the file its page names; give the files written.

    The pages are written for the skeleton's name, which the team reads as its package's.
    """
    written = []
    for page in sorted((root / "docs").glob("*.md")):
        text = page.read_text(encoding="utf-8").replace(written_for(), package)
        for path, code in examples(text.replace(written_for().upper(), package.upper())).items():
            (root / path).write_text(code, encoding="utf-8")
            written.append(path)
    return written


def start(root: Path, target: str, port: int, **extra: str) -> LiveServer:
    """`make <target>` on `port`, until its /readyz answers 200."""
    return LiveServer.start(
        ["make", "--no-print-directory", target],
        port=port,
        cwd=root,
        env=team_shell(root, PORT=str(port), **extra),
        path="/readyz",
        ready=lambda server: server.get("/readyz")[0] == 200,
        timeout=120,
    )


def stop(server: LiveServer) -> None:
    """SIGTERM to make and the server, as Ctrl-C would: the server drains and exits 0."""
    os.killpg(server.process.pid, signal.SIGTERM)
    server.wait(60)
    stopped = [
        line.get("exitcode") for line in json_lines(server) if line.get("event") == "stopped"
    ]
    assert stopped == [0], "".join(server.lines[-20:])


def until(condition: str, check: Callable[[], bool], seconds: float = 60) -> None:
    """Wait until `check()` holds, or fail saying `condition` never came."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{condition} did not happen in {seconds} s"
        time.sleep(0.2)


async def delete_topology(exchange: str, consumers: list[str]) -> list[int]:
    """Delete the copy's queues and exchanges on the broker; give each dead-letter queue's count."""
    assert BROKER is not None
    connection = await aio_pika.connect(BROKER)
    dead = []
    async with connection:
        channel = await connection.channel()
        for consumer in consumers:
            queue = f"{exchange}.{PACKAGE}.{consumer}"
            declared = await channel.declare_queue(f"{queue}.dead", passive=True)
            dead.append(declared.declaration_result.message_count or 0)
            for name in (queue, f"{queue}.dead", *(f"{queue}.retry.{n}" for n in range(1, 5))):
                await channel.queue_delete(name)
        for name in (exchange, f"{exchange}.{PACKAGE}.jobs"):
            await channel.exchange_delete(name)
    return dead


def test_a_teams_first_day_holds_together(tmp_path: Path) -> None:
    """Every step of the README and docs/, in a team's order, passes, and the pieces work together."""
    root = copy_project(tmp_path / "team")
    made(root, "rename", f"NAME={PACKAGE}")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Rename")
    made(root, "view", f"NAME={VIEW}")
    made(root, "consumer", f"NAME={CONSUMER}", f"TOPIC={TOPIC}")
    made(root, "schedule", f"NAME={SCHEDULE}", "EVERY=3600")
    examples = drop_in_the_examples(root, PACKAGE)
    assert sorted(examples) == sorted(
        f"{PACKAGE}/{path}"
        for path in (
            "views/feed.py",
            "tests/test_feed.py",
            "views/parcels.py",
            "events/notify_customer.py",
            "tests/test_parcels.py",
            "events/nightly_report.py",
            "views/products.py",
            "tests/test_products.py",
            "views/upstream.py",
            "tests/test_upstream.py",
        )
    )
    made(root, "spec")
    made(root, "lint", "typecheck", "test", "fuzz")

    exchange = f"test_journey_{uuid.uuid4().hex[:12]}"
    # A drain of no delay: nothing routes traffic to these servers.
    broker = {
        f"{PREFIX}BROKER_URL": BROKER or "",
        f"{PREFIX}EVENTS_EXCHANGE": exchange,
        f"{PREFIX}DRAIN_DELAY": "0",
    }
    made(root, "migrate")
    try:
        # serving.md: with routes that require tokens, make serve takes the development key's.
        web = start(
            root, "serve", free_port(), **broker, **{f"{PREFIX}AUTH_DEVELOPMENT_KEY": "true"}
        )
        worker = start(root, "worker", free_port(), **broker)
        try:
            token = made(root, "token", f"SCOPES={VIEW}:read {VIEW}:write").strip()
            status, _, body = web.request(
                "POST",
                f"/{VIEW}",
                json.dumps({"name": "kettle", "quantity": 1}).encode(),
                {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            assert status == 201, body
            taken = f"{TOPIC} taken"
            until(taken, lambda: any(line.get("event") == taken for line in json_lines(worker)))
            time.sleep(2)  # a second delivery, were there one, would show by now
        finally:
            stop(worker)
            stop(web)
        assert [line.get("event") for line in json_lines(worker)].count(taken) == 1
        with sqlite3.connect(root / f"{PACKAGE}.db") as database:
            states = database.execute("SELECT handler, state FROM inbox").fetchall()
        assert states == [(f"{CONSUMER}.{CONSUMER}", "done")]
    finally:
        dead = asyncio.run(
            delete_topology(exchange, [f"{CONSUMER}.{CONSUMER}", "notify_customer.notify_customer"])
        )
    assert dead == [0, 0]

    # The image's way, after make view: the wheel, read-only and unprivileged, with the identity
    # provider the CI job gives it.
    image = install_like_the_image(root, tmp_path / "image")
    assert image.run(["quart", "db", "upgrade"]).returncode == 0
    keys = KeyServer(audience=PACKAGE)
    settings = {f"{PREFIX}{name}": str(value) for name, value in keys.settings().items()}
    server = image.serve({f"{PREFIX}SECRET_KEY": "ci", **settings})
    try:
        assert server.get("/readyz")[0] == 200, "".join(server.lines)
        assert server.get(f"/{VIEW}")[0] == 401
    finally:
        assert server.stop(signal.SIGTERM) == 0
