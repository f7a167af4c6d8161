"""The memory check of `make bench`: one worker's resident size, before and after load."""

from __future__ import annotations

from pathlib import Path


def resident_mib(pid: int) -> float:
    """The resident set size of process `pid`, in MiB, from /proc (NaN where there is none)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
