"""`make bench`: the service against what a team would compare it with, under one load.

Each server runs one worker pinned to the first CPU; wrk runs pinned to the second, so that the
two do not compete. Rounds alternate between the servers and the medians are reported, with how
busy each CPU was: a server CPU near 100% and a load-generator CPU well below it show that the
server, not wrk, set the pace. A round where wrk was the busier, or that saw an error, fails the
run. Then the database-backed routes (bench/items.py, one row by id and a page of 20, seeded, on
PostgreSQL at BENCH_DATABASE_URL when it answers, else on a SQLite file) are measured
against their FastAPI + SQLAlchemy twin with the same engine and pool; then a
route that requires a token against a public one on the same server (bench/callers.py, its keys
from a stand-in identity provider); then a route awaiting a downstream that answers in 20 ms,
under 256 connections, against its FastAPI twin (bench/calls.py); last, one worker's resident
memory is read before and after two runs of BENCH_REQUESTS requests each: it must not grow
between them, and a one-worker pod's processes must stay under their bars (pod_memory.py);
then the events, and the calls to a dead downstream with a breaker and without (breaker.py).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import math
import os
import signal
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from bench.breaker import measure_breaker
from bench.callers import SCOPE
from bench.database import bench_database
from bench.events import measure_events
from bench.items import PAGE, SEEDED, seed
from bench.pod_memory import PodMemory
from bench.wrk import LOAD_CPU, SERVER_CPU, Round, can_pin, find_wrk, load, pinned
from myservice import create_app
from myservice.core.testing.key_server import KeyServer
from myservice.core.testing.live_server import LiveServer, ServerStartError, free_port, resident_mib
from myservice.core.testing.service import events

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "100000"))
# Memory a worker may gain between two runs of REQUESTS requests, in MiB: allocator noise.
MEMORY_NOISE_MIB = 1.0
# The options every uvicorn below runs with: those `make serve` gives its workers.
UVICORN = (
    *("--host", "127.0.0.1", "--port", "{port}", "--loop", "uvloop", "--http", "httptools"),
    *("--no-access-log", "--no-server-header", "--no-proxy-headers", "--timeout-keep-alive", "75"),
)
GRANIAN = (
    *("--interface", "asgi", "--host", "127.0.0.1", "--port", "{port}", "--workers", "1"),
    *("--loop", "uvloop", "--no-ws", "--log-level", "warning"),
)
SERVICE_ENVIRONMENT = (("MYSERVICE_LOG_FORMAT", "json"), ("MYSERVICE_DRAIN_DELAY", "0"))


@dataclass(frozen=True)
class Target:
    """A server and the path to load: a label, how to start it (`{port}` stands for its port)."""

    label: str
    command: tuple[str, ...]
    environment: tuple[tuple[str, str], ...] = SERVICE_ENVIRONMENT
    path: str = "/"
    headers: tuple[tuple[str, str], ...] = ()
    connections: int = CONNECTIONS

    def start(self) -> LiveServer:
        """Start the server on a free port, pinned to the server CPU, and wait until it answers."""
        port = free_port()
        try:
            return LiveServer.start(
                [*pinned(SERVER_CPU), *(part.format(port=port) for part in self.command)],
                port=port,
                cwd=ROOT,
                env={
                    **os.environ,
                    **{name: value.format(port=port) for name, value in self.environment},
                    "PYTHONPATH": str(ROOT),
                },
            )
        except ServerStartError as error:
            sys.exit(f"{self.label}: {error}")


BOOK = Target(
    "book: quart run",
    (str(BIN / "quart"), "run", "--port", "{port}"),
    (
        ("QUART_APP", "myservice"),
        *SERVICE_ENVIRONMENT,
    ),
)
BARE = Target("bare Quart, uvicorn", (str(BIN / "uvicorn"), *UVICORN, "bench.bare:app"), ())
SERVE = Target(
    "myservice, make serve",
    (sys.executable, "-m", "myservice.core.serve"),
    (("HOST", "127.0.0.1"), ("PORT", "{port}"), ("WORKERS", "1"), *SERVICE_ENVIRONMENT),
)
FASTAPI = Target("FastAPI, uvicorn", (str(BIN / "uvicorn"), *UVICORN, "bench.fastapi_twin:app"), ())
TARGETS = (
    BOOK,
    BARE,
    SERVE,
    FASTAPI,
    Target(
        "myservice, Hypercorn",
        (
            *(str(BIN / "hypercorn"), "--bind", "127.0.0.1:{port}", "--worker-class", "uvloop"),
            "myservice:create_app()",
        ),
    ),
    Target("bare Quart, Granian", (str(BIN / "granian"), *GRANIAN, "bench.bare:app"), ()),
    Target(
        "myservice, Granian",
        (str(BIN / "granian"), *GRANIAN, "--factory", "myservice:create_app"),
    ),
)
# The routes that read the database (bench/items.py), each against its FastAPI twin.
SERVE_ITEMS = (sys.executable, "-m", "myservice.core.serve", "bench.items:create_app")
SERVE_ITEMS_ENVIRONMENT = (
    ("HOST", "127.0.0.1"),
    ("PORT", "{port}"),
    ("WORKERS", "1"),
    *SERVICE_ENVIRONMENT,
)
FASTAPI_ITEMS = (str(BIN / "uvicorn"), *UVICORN, "bench.fastapi_items:app")
READ = Target("db read, make serve", SERVE_ITEMS, SERVE_ITEMS_ENVIRONMENT, f"/items/{SEEDED // 2}")
READ_TWIN = Target("db read, FastAPI", FASTAPI_ITEMS, SERVICE_ENVIRONMENT, READ.path)
LIST = Target(f"db list of {PAGE}, make serve", SERVE_ITEMS, SERVE_ITEMS_ENVIRONMENT, "/items")
LIST_TWIN = Target(f"db list of {PAGE}, FastAPI", FASTAPI_ITEMS, SERVICE_ENVIRONMENT, LIST.path)
DATABASE_TARGETS = (READ, READ_TWIN, LIST, LIST_TWIN)
# A public route and one that verifies a token, served together (bench/callers.py).
SERVE_CALLERS = (sys.executable, "-m", "myservice.core.serve", "bench.callers:create_app")
PUBLIC_ROUTE = Target("public route, make serve", SERVE_CALLERS, SERVE_ITEMS_ENVIRONMENT, "/open")
PROTECTED_ROUTE = Target(
    "token checked, make serve", SERVE_CALLERS, SERVE_ITEMS_ENVIRONMENT, "/mine"
)
# A route that awaits a downstream answering in 20 ms (bench/calls.py), and its FastAPI twin,
# under enough connections that waiting, not the CPU, would cap a server that blocked.
CALL_CONNECTIONS = 256
RELAY = Target(
    "relay 20 ms, make serve",
    (sys.executable, "-m", "myservice.core.serve", "bench.calls:create_app"),
    SERVE_ITEMS_ENVIRONMENT,
    "/relay",
    connections=CALL_CONNECTIONS,
)
RELAY_TWIN = Target(
    "relay 20 ms, FastAPI",
    (str(BIN / "uvicorn"), *UVICORN, "bench.fastapi_calls:app"),
    (),
    "/relay",
    connections=CALL_CONNECTIONS,
)
# The service's largest answer, its OpenAPI document, plain and gzipped: what compression costs.
DOCUMENT = Target("openapi.json, make serve", SERVE.command, SERVE.environment, "/openapi.json")
GZIPPED = Target(
    "openapi.json gzipped, make serve",
    SERVE.command,
    SERVE.environment,
    "/openapi.json",
    headers=(("Accept-Encoding", "gzip"),),
)
# What each ratio divides, and the bar it must clear where there is one.
RATIOS = (
    ("plumbing: make serve / bare Quart, same server", SERVE, BARE, 0.90),
    ("production: make serve / the book's quart run", SERVE, BOOK, 1.7),
    ("make serve / FastAPI on uvicorn", SERVE, FASTAPI, None),
    ("db read: make serve / FastAPI + SQLAlchemy", READ, READ_TWIN, None),
    (f"db list of {PAGE}: make serve / FastAPI + SQLAlchemy", LIST, LIST_TWIN, None),
    ("a token checked: protected route / public route", PROTECTED_ROUTE, PUBLIC_ROUTE, None),
    ("gzip: openapi.json compressed / plain", GZIPPED, DOCUMENT, None),
    (
        f"a 20 ms downstream x{CALL_CONNECTIONS}: make serve / FastAPI",
        RELAY,
        RELAY_TWIN,
        None,
    ),
)


def main() -> None:
    """Measure every target, round after round, print the table and the ratios, then memory."""
    wrk = find_wrk()
    print(f"==> {ROUNDS} rounds of {DURATION} s per server, {CONNECTIONS} connections, wrk: {wrk}")
    print(f"    servers pinned to CPU {SERVER_CPU}, wrk to the other: {can_pin()}")
    with tempfile.TemporaryDirectory() as scratch, bench_database(Path(scratch)) as database:
        # Every service target serves the seeded database; the FastAPI twin reads it too.
        os.environ["MYSERVICE_DATABASE_URL"] = database.url
        print(f"==> seeding {SEEDED} rows into {database.kind}", flush=True)
        asyncio.run(seed({**create_app().config, "DATABASE_URL": database.url}))
        provider = KeyServer()
        os.environ.update(identity_settings(provider))
        results = measure(wrk, TARGETS) | measure(wrk, DATABASE_TARGETS)
        results |= measure(wrk, caller_targets(provider))
        results |= measure(wrk, (DOCUMENT, GZIPPED))
        with slow_downstream() as downstream_url:
            results |= measure(wrk, call_targets(downstream_url))
        failures = report(results)
        print(f"the database pairs ran on {database.kind}")
        failures += check_memory(wrk, median(results[SERVE.label]).requests_per_second)
        failures += measure_events(Path(scratch))
        failures += measure_breaker()
    if failures:
        sys.exit("make bench: " + "; ".join(failures))


def identity_settings(provider: KeyServer) -> dict[str, str]:
    """The variables that point every service served here at `provider`, as in production.

    A service whose routes require tokens refuses to start without an identity provider.
    """
    return {f"MYSERVICE_{name}": str(value) for name, value in provider.settings().items()}


def caller_targets(provider: KeyServer) -> tuple[Target, ...]:
    """The public and the protected route, the second with a token of `provider`'s."""
    token = provider.mint(SCOPE, lifetime=3600)
    return (
        PUBLIC_ROUTE,
        replace(PROTECTED_ROUTE, headers=(("Authorization", f"Bearer {token}"),)),
    )


@contextmanager
def slow_downstream() -> Iterator[str]:
    """bench/slow_downstream.py on a free port, beside wrk's CPU; give its URL."""
    port = free_port()
    command = [*pinned(LOAD_CPU), sys.executable, "-m", "bench.slow_downstream", str(port)]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        server = LiveServer.start(command, port=port, cwd=ROOT, env=environment)
    except ServerStartError as error:
        sys.exit(f"the slow downstream: {error}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop(signal.SIGTERM)


def call_targets(downstream_url: str) -> tuple[Target, ...]:
    """The relay route of the service and of FastAPI, both calling the slow downstream."""
    entry = {"slow": {"url": downstream_url, "pool": CALL_CONNECTIONS + 44, "deadline": 5}}
    # Braces doubled: Target.start formats each value for {port}.
    setting = json.dumps(entry).replace("{", "{{").replace("}", "}}")
    return (
        replace(RELAY, environment=(*RELAY.environment, ("MYSERVICE_DOWNSTREAMS", setting))),
        replace(RELAY_TWIN, environment=(("SLOW_DOWNSTREAM_URL", downstream_url),)),
    )


def measure(wrk: str, targets: tuple[Target, ...]) -> dict[str, list[Round]]:
    """Serve the targets at once, check they answer alike, and load each in turn, by rounds."""
    results: dict[str, list[Round]] = {}
    with running(targets) as started:
        check_same_answers(started)
        for target, server in started:
            print(f"==> warming up {target.label}", flush=True)
            load(wrk, url(server, target.path), 2, target.connections, target.headers)
        for number in range(1, ROUNDS + 1):
            for target, server in started:
                print(f"==> round {number}/{ROUNDS}: {target.label}", flush=True)
                results.setdefault(target.label, []).append(
                    load(
                        wrk, url(server, target.path), DURATION, target.connections, target.headers
                    )
                )
    return results


@contextmanager
def running(targets: tuple[Target, ...]) -> Iterator[list[tuple[Target, LiveServer]]]:
    """Start every target on a free port, and stop them all at the end."""
    started: list[tuple[Target, LiveServer]] = []
    try:
        for target in targets:
            started.append((target, target.start()))
        yield started
    finally:
        for _, server in started:
            server.stop(signal.SIGTERM, timeout=60)


def url(server: LiveServer, path: str = "/") -> str:
    """The URL of `path` on the server."""
    return f"http://127.0.0.1:{server.port}{path}"


def check_same_answers(started: list[tuple[Target, LiveServer]]) -> None:
    """Servers loaded on one path must answer it with the same JSON, or the comparison lies."""
    answers: dict[str, dict[str, object]] = {}
    for target, server in started:
        status, headers, body = server.get(target.path, dict(target.headers))
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        if status != 200:
            sys.exit(f"{target.label} answers GET {target.path} with {status}: {body[:200]!r}")
        answers.setdefault(target.path, {})[target.label] = json.loads(body)
    for path, by_label in answers.items():
        if len({json.dumps(answer, sort_keys=True) for answer in by_label.values()}) != 1:
            sys.exit(f"the servers answer GET {path} differently: {by_label}")


def report(results: dict[str, list[Round]]) -> list[str]:
    """Print the medians per target, then the ratios; give what fell short or was load-bound."""
    medians = {label: median(rounds) for label, rounds in results.items()}
    print()
    print(f"{'server':<26}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'server CPU':>12}{'wrk CPU':>9}")
    for label, result in medians.items():
        print(
            f"{label:<26}{result.requests_per_second:>9.0f}{result.p50_ms:>9.2f}"
            f"{result.p99_ms:>9.2f}{result.server_cpu:>12.0%}{result.load_cpu:>9.0%}"
        )
    failures = [
        f"wrk was the bottleneck in a round of {label}"
        for label, rounds in results.items()
        if any(one.load_bound() for one in rounds)
    ]
    print()
    for name, numerator, denominator, bar in RATIOS:
        ratio = (
            medians[numerator.label].requests_per_second
            / medians[denominator.label].requests_per_second
        )
        verdict = (
            "" if bar is None else f"  (at least {bar:.2f}: {'yes' if ratio >= bar else 'NO'})"
        )
        print(f"{name:<50}{ratio:>6.2f}{verdict}")
        if bar is not None and ratio < bar:
            failures.append(f"{name} is {ratio:.2f}, under {bar:.2f}")
    return failures


def check_memory(wrk: str, rate: float) -> list[str]:
    """A worker's resident size at start and after two runs of REQUESTS; then the pod's PSS.

    The pod's processes are measured after the first run, against their bars (pod_memory.py).
    wrk cannot stop at a count, so each run loads for as long as `rate` says it takes.
    """
    with running((SERVE,)) as [(_, server)]:
        [worker] = events(server, "worker serving")
        pid = int(worker["pid"])
        sizes = [resident_mib(pid)]
        for number in (1, 2):
            print(f"==> memory: {REQUESTS} requests to make serve, run {number}/2", flush=True)
            answered = 0
            while answered < REQUESTS:
                seconds = max(1, math.ceil((REQUESTS - answered) / rate))
                answered += load(wrk, url(server), seconds, CONNECTIONS).requests
            sizes.append(resident_mib(pid))
            if number == 1:
                pod = PodMemory.of(server.process.pid, pid)
    start, first, second = sizes
    print()
    print(
        f"one worker's resident memory: {start:.1f} MiB at start, {first:.1f} MiB after"
        f" {REQUESTS} requests, {second:.1f} MiB after {REQUESTS} more"
    )
    print(pod.line())
    failures = pod.failures()
    if math.isnan(second) or second - first > MEMORY_NOISE_MIB:
        failures.append(f"a worker's memory grew by {second - first:.1f} MiB between two runs")
    return failures


def median(rounds: list[Round]) -> Round:
    """The median of each figure over the rounds."""
    return Round(
        *(
            statistics.median(getattr(one, name) for one in rounds)
            for name in Round.__dataclass_fields__
        )
    )


if __name__ == "__main__":
    main()
