"""A pod's memory is read from /proc as proportional set sizes, over the server's process tree."""

from __future__ import annotations

import math
import os
import subprocess
import sys

from bench.pod_memory import POD_MIB, PodMemory, process_tree
from myservice.core.testing.live_server import resident_mib


def test_a_process_tree_holds_the_children_and_their_sizes_add_up() -> None:
    """A child started here is in this process's tree; each size is read, a gone one is NaN."""
    child = subprocess.Popen(
        [sys.executable, "-c", "print(flush=True); import time; time.sleep(30)"],
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        child.stdout.readline()  # the child has started
        assert process_tree(os.getpid())[0] == os.getpid()
        assert child.pid in process_tree(os.getpid())
        assert (
            1
            < resident_mib(child.pid, proportional=True)
            < resident_mib(os.getpid(), proportional=True)
        )
        pod = PodMemory.of(os.getpid(), child.pid)
        assert pod.processes == len(process_tree(os.getpid()))
        assert 0 < pod.worker < pod.supervisor < pod.total
    finally:
        child.kill()
        child.communicate()
    assert math.isnan(resident_mib(child.pid, proportional=True))


def test_a_pod_over_a_bar_fails_and_says_which() -> None:
    """A pod under both bars passes; one over either names it."""
    assert PodMemory(90.0, 0.0, 90.0, 1).failures() == []
    assert "none: it serves alone" in PodMemory(90.0, 0.0, 90.0, 1).line()
    assert PodMemory(120.0, 0.0, POD_MIB + 1, 1).failures() == [
        f"a one-worker pod takes {POD_MIB + 1:.1f} MiB, over {POD_MIB:.0f}"
    ]
    assert PodMemory(90.0, 25.0, 115.0, 2).failures() == ["its supervisor takes 25.0 MiB, over 20"]
