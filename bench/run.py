"""`make bench`: the service against bare Quart on the same server settings, under one load.

Each server runs one worker pinned to the first CPU; wrk runs pinned to the second, so that the
two do not compete. Rounds alternate between the servers and the medians are reported, with how
busy each CPU was: a server CPU near 100% and a load-generator CPU well below it show that the
server, not wrk, set the pace.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from myservice.core.live_server import LiveServer, ServerStartError, free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
SERVER_CPU, LOAD_CPU = 0, 1


@dataclass(frozen=True)
class Target:
    """A server to measure: its label, and how to start it (`{port}` stands for its port)."""

    label: str
    command: tuple[str, ...]
    environment: tuple[tuple[str, str], ...] = ()

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


@dataclass(frozen=True)
class Round:
    """One wrk run: throughput, latency percentiles and how busy each CPU was."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    server_cpu: float
    load_cpu: float


# Bare Quart and the service on Hypercorn with the same hypercorn.toml, then the service on
# uvicorn. Each runs one worker; the service logs every request, as in production.
TARGETS = (
    Target(
        "bare Quart, Hypercorn",
        (
            *(str(BIN / "hypercorn"), "--config", str(ROOT / "hypercorn.toml")),
            *("--bind", "127.0.0.1:{port}", "--worker-class", "uvloop", "--workers", "1"),
            "bench.bare:app",
        ),
    ),
    Target(
        "myservice, Hypercorn",
        (sys.executable, "-m", "myservice.core.serve"),
        (
            ("HOST", "127.0.0.1"),
            ("PORT", "{port}"),
            ("WORKERS", "1"),
            ("HYPERCORN_CONFIG", str(ROOT / "hypercorn.toml")),
            ("MYSERVICE_LOG_FORMAT", "json"),
        ),
    ),
    Target(
        "myservice, uvicorn",
        (
            *(str(BIN / "uvicorn"), "--factory", "myservice:create_app", "--host", "127.0.0.1"),
            *("--port", "{port}", "--no-access-log", "--loop", "uvloop", "--http", "httptools"),
        ),
        (("MYSERVICE_LOG_FORMAT", "json"),),
    ),
)


def main() -> None:
    """Measure every target, round after round, and print the table and the ratios."""
    wrk = find_wrk()
    print(f"==> {ROUNDS} rounds of {DURATION} s per server, {CONNECTIONS} connections, wrk: {wrk}")
    print(f"    servers pinned to CPU {SERVER_CPU}, wrk to CPU {LOAD_CPU}: {can_pin()}")
    results: dict[str, list[Round]] = {}
    with running_all() as started:
        for target, server in started:
            print(f"==> warming up {target.label}")
            load(wrk, server.port, 2)
        for number in range(1, ROUNDS + 1):
            for target, server in started:
                print(f"==> round {number}/{ROUNDS}: {target.label}", flush=True)
                results.setdefault(target.label, []).append(load(wrk, server.port, DURATION))
    report(results)


def find_wrk() -> str:
    """The path of wrk; on Debian or Ubuntu, as root, it is installed first when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        print("==> wrk is not installed; installing it with apt-get", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        return shutil.which("wrk") or sys.exit("apt-get installed wrk, but it is not on PATH")
    sys.exit(
        "make bench needs the load generator wrk: `apt-get install wrk` (Debian, Ubuntu),"
        " `brew install wrk` (macOS), or see https://github.com/wg/wrk"
    )


def can_pin() -> str:
    """Whether this OS lets the benchmark pin processes to CPUs, and so keep them apart."""
    if not hasattr(os, "sched_setaffinity"):
        return "no (not supported by this OS); figures are noisier"
    if len(os.sched_getaffinity(0)) < 2:
        return "no (one CPU only); server and wrk share it"
    return "yes"


def pinned(cpu: int) -> list[str]:
    """The command prefix that pins a process to `cpu`, where the OS allows it."""
    if can_pin() == "yes" and shutil.which("taskset"):
        return ["taskset", "-c", str(cpu)]
    return []


@contextmanager
def running_all() -> Iterator[list[tuple[Target, LiveServer]]]:
    """Start every target on a free port, and stop them all at the end."""
    started: list[tuple[Target, LiveServer]] = []
    try:
        for target in TARGETS:
            started.append((target, target.start()))
        yield started
    finally:
        for _, server in started:
            server.stop(signal.SIGTERM, timeout=60)


def load(wrk: str, port: int, seconds: int) -> Round:
    """Drive GET / on `port` for `seconds` with wrk and measure the CPUs meanwhile."""
    before = cpu_times()
    output = subprocess.run(
        [
            *pinned(LOAD_CPU),
            *(wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"),
            f"http://127.0.0.1:{port}/",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    after = cpu_times()
    server_cpu, load_cpu = (busy(before[cpu], after[cpu]) for cpu in (SERVER_CPU, LOAD_CPU))
    return parse_wrk(output, server_cpu, load_cpu)


def parse_wrk(output: str, server_cpu: float, load_cpu: float) -> Round:
    """Requests per second and the 50th and 99th latency percentiles from wrk's report."""
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", output)
    if errors:
        sys.exit(f"wrk saw errors, so the figures would lie:\n{output}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"\s50%\s+([\d.]+)(us|ms|s)\b", output)
    p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", output)
    if not (rate and p50 and p99):
        sys.exit(f"cannot read wrk's report:\n{output}")
    return Round(float(rate.group(1)), milliseconds(p50), milliseconds(p99), server_cpu, load_cpu)


def milliseconds(found: re.Match[str]) -> float:
    """A wrk duration such as 1.23ms or 850.00us, in milliseconds."""
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]
    return float(found.group(1)) * scale


def cpu_times() -> dict[int, tuple[int, int]]:
    """Per CPU, (busy, total) jiffies from /proc/stat; empty where there is no /proc."""
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return {}
    times: dict[int, tuple[int, int]] = {}
    for line in lines:
        name, *fields = line.split()
        if name.startswith("cpu") and name != "cpu":
            values = [int(field) for field in fields]
            idle = values[3] + values[4]
            times[int(name[3:])] = (sum(values) - idle, sum(values))
    return times


def busy(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float:
    """The share of time a CPU was busy between two readings, or NaN without readings."""
    if before is None or after is None or after[1] == before[1]:
        return float("nan")
    return (after[0] - before[0]) / (after[1] - before[1])


def report(results: dict[str, list[Round]]) -> None:
    """Print the medians per target, then the ratios that matter."""
    medians = {label: median(rounds) for label, rounds in results.items()}
    print()
    print(f"{'server':<24}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'server CPU':>12}{'wrk CPU':>9}")
    for label, result in medians.items():
        print(
            f"{label:<24}{result.requests_per_second:>10.0f}{result.p50_ms:>9.2f}"
            f"{result.p99_ms:>9.2f}{result.server_cpu:>12.0%}{result.load_cpu:>9.0%}"
        )
    bare, service, uvicorn = (medians[target.label] for target in TARGETS)
    ratio = service.requests_per_second / bare.requests_per_second
    print()
    print(f"myservice / bare Quart, both on Hypercorn: {ratio:.2f}  (target 0.85, goal 0.90)")
    served = uvicorn.requests_per_second / service.requests_per_second
    print(f"myservice on uvicorn / on Hypercorn:       {served:.2f}")


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
