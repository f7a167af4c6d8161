"""What a one-worker pod pays in memory: the proportional set size of each of its processes.

Proportional set size (PSS) splits each shared page between the processes that map it, so the
sizes of a server's processes add up to what the server costs, which resident sizes overstate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from myservice.core.testing.live_server import resident_mib

# The bars a one-worker pod's processes must stay under, after REQUESTS requests.
POD_MIB = 130.0
SUPERVISOR_MIB = 20.0


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it, parents first."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [pid, *(below for child in children for below in process_tree(int(child)))]


@dataclass(frozen=True)
class PodMemory:
    """A server's processes and their PSS: the worker's, a supervisor's (0 when it serves alone)."""

    worker: float
    supervisor: float
    total: float
    processes: int

    @classmethod
    def of(cls, root: int, worker: int) -> PodMemory:
        """The memory of the server started as `root`, whose one worker is `worker`."""
        sizes = {pid: resident_mib(pid, proportional=True) for pid in process_tree(root)}
        supervisor = 0.0 if root == worker else sizes[root]
        return cls(sizes[worker], supervisor, sum(sizes.values()), len(sizes))

    def line(self) -> str:
        """The figures, side by side, for the report."""
        supervisor = f"{self.supervisor:.1f} MiB" if self.supervisor else "none: it serves alone"
        return (
            f"a one-worker pod's memory (PSS): {self.total:.1f} MiB in {self.processes}"
            f" process(es), the worker {self.worker:.1f} MiB, a supervisor {supervisor}"
            f" (bars: {POD_MIB:.0f} and {SUPERVISOR_MIB:.0f} MiB)"
        )

    def failures(self) -> list[str]:
        """What is over its bar, said for the run's verdict."""
        over = []
        if not self.total <= POD_MIB:
            over.append(f"a one-worker pod takes {self.total:.1f} MiB, over {POD_MIB:.0f}")
        if not self.supervisor <= SUPERVISOR_MIB:
            over.append(
                f"its supervisor takes {self.supervisor:.1f} MiB, over {SUPERVISOR_MIB:.0f}"
            )
        return over
