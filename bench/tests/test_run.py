"""The benchmark reads wrk's report and the CPU counters right, and reports the ratios."""

from __future__ import annotations

import math

import pytest

from bench.run import TARGETS, Round, busy, median, parse_wrk, report

WRK_REPORT = """\
Running 10s test @ http://127.0.0.1:8000/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     6.98ms    1.02ms  20.11ms   90.12%
  Latency Distribution
     50%  850.00us
     75%    7.20ms
     90%    7.80ms
     99%    1.21s
  45280 requests in 10.00s, 8.12MB read
Requests/sec:   4528.00
Transfer/sec:    831.70KB
"""


def test_a_wrk_report_gives_the_rate_and_percentiles_in_milliseconds() -> None:
    """Microseconds and seconds are both converted to milliseconds."""
    assert parse_wrk(WRK_REPORT, 1.0, 0.03) == Round(4528.0, 0.85, 1210.0, 1.0, 0.03)


@pytest.mark.parametrize(
    "trouble", ["  Non-2xx or 3xx responses: 12\n", "  Socket errors: connect 0, read 3\n"]
)
def test_a_report_with_errors_stops_the_benchmark(trouble: str) -> None:
    """Figures measured on failing requests would flatter the server, so they are refused."""
    with pytest.raises(SystemExit, match="wrk saw errors"):
        parse_wrk(WRK_REPORT + trouble, 1.0, 0.03)


def test_an_unreadable_report_stops_the_benchmark() -> None:
    """Without a rate and both percentiles there is nothing to report."""
    with pytest.raises(SystemExit, match="cannot read wrk's report"):
        parse_wrk("Requests/sec: 10\n", 1.0, 0.03)


def test_busy_is_the_share_of_busy_jiffies() -> None:
    """75 busy jiffies out of 100 is 75%; no reading, or no time passed, is NaN."""
    assert busy((100, 1000), (175, 1100)) == 0.75
    assert math.isnan(busy(None, (1, 2)))
    assert math.isnan(busy((1, 2), (1, 2)))


def test_median_is_taken_figure_by_figure() -> None:
    """Each figure's median comes from its own column."""
    rounds = [Round(1, 9, 5, 1, 0), Round(3, 1, 4, 1, 0), Round(2, 5, 6, 1, 0)]
    assert median(rounds) == Round(2, 5, 5, 1, 0)


def test_report_prints_the_table_and_both_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    """The service's throughput over bare Quart's, and uvicorn's over Hypercorn's."""
    rates = dict(zip((target.label for target in TARGETS), (5000.0, 4250.0, 8500.0), strict=True))
    report({label: [Round(rate, 1.0, 2.0, 1.0, 0.05)] for label, rate in rates.items()})
    output = capsys.readouterr().out
    assert "myservice / bare Quart, both on Hypercorn: 0.85" in output
    assert "myservice on uvicorn / on Hypercorn:       2.00" in output
