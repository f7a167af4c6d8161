"""The breaker's measure: two servers, a dead downstream, the figures side by side."""

from __future__ import annotations

import pytest

from bench.breaker import DeadCalls, measure_breaker


def test_the_measure_prints_both_ways_and_the_open_breaker_is_the_faster(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every call is refused (503) both ways; the open breaker clears its bar."""
    assert measure_breaker(calls=20) == []
    printed = capsys.readouterr().out
    assert "breaker open" in printed
    assert "no breaker" in printed
    assert "no breaker / breaker open, p50:" in printed


def test_percentiles_are_read_from_the_times() -> None:
    """The median and the 99th percentile of the calls' times."""
    calls = DeadCalls("x", [float(n) for n in range(1, 101)], {503})
    assert calls.p50 == 50.5
    assert 99 <= calls.p99 <= 100
