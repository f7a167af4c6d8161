"""Driving wrk, pinned to its own CPU, and reading what it and the CPUs report."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SERVER_CPU, LOAD_CPU = 0, 1
# Above this share of its CPU, wrk rather than the server may be what limits the rate.
LOAD_CPU_CEILING = 0.9


@dataclass(frozen=True)
class Round:
    """One wrk run: throughput, latency percentiles and how busy each CPU was."""

    requests_per_second: float
    requests: int
    p50_ms: float
    p99_ms: float
    server_cpu: float
    load_cpu: float

    def load_bound(self) -> bool:
        """Whether wrk was busier than the server: then the figures measure wrk."""
        return self.load_cpu >= LOAD_CPU_CEILING and self.load_cpu > self.server_cpu


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


def load(
    wrk: str,
    url: str,
    seconds: int,
    connections: int,
    headers: tuple[tuple[str, str], ...] = (),
) -> Round:
    """Drive GET `url`, sending `headers`, with wrk for `seconds`, measuring the CPUs meanwhile."""
    sent = [option for name, value in headers for option in ("-H", f"{name}: {value}")]
    before = cpu_times()
    output = subprocess.run(
        [
            *pinned(LOAD_CPU),
            *(wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", *sent),
            # wrk counts an answer slower than its 2 s default as an error; under 256
            # connections a saturated server's slowest answers take longer, and are figures.
            *("--timeout", "10s", url),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    after = cpu_times()
    server_cpu, load_cpu = (busy(before.get(cpu), after.get(cpu)) for cpu in (SERVER_CPU, LOAD_CPU))
    return parse_wrk(output, server_cpu, load_cpu)


def parse_wrk(output: str, server_cpu: float, load_cpu: float) -> Round:
    """Requests per second and the 50th and 99th latency percentiles from wrk's report."""
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", output)
    if errors:
        sys.exit(f"wrk saw errors, so the figures would lie:\n{output}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    count = re.search(r"(\d+) requests in ", output)
    p50 = re.search(r"\s50%\s+([\d.]+)(us|ms|s)\b", output)
    p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)\b", output)
    if not (rate and count and p50 and p99):
        sys.exit(f"cannot read wrk's report:\n{output}")
    return Round(
        float(rate.group(1)),
        int(count.group(1)),
        milliseconds(p50),
        milliseconds(p99),
        server_cpu,
        load_cpu,
    )


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
