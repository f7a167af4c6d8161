"""The benchmark reads wrk's report and the CPU counters right, and reports the ratios."""

from __future__ import annotations

import math
import signal
from dataclasses import replace

import pytest

from bench.run import (
    BARE,
    BOOK,
    DATABASE_TARGETS,
    DOCUMENT,
    FASTAPI,
    GZIPPED,
    LIST,
    LIST_TWIN,
    PROTECTED_ROUTE,
    PUBLIC_ROUTE,
    READ,
    READ_TWIN,
    RELAY,
    RELAY_TWIN,
    SERVE,
    SERVE_CALLERS,
    TARGETS,
    identity_settings,
    median,
    report,
)
from bench.wrk import Round, busy, parse_wrk
from myservice.core.testing.key_server import KeyServer

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


def test_a_wrk_report_gives_the_rate_count_and_percentiles_in_milliseconds() -> None:
    """Microseconds and seconds are both converted to milliseconds; the count is kept."""
    assert parse_wrk(WRK_REPORT, 1.0, 0.03) == Round(4528.0, 45280, 0.85, 1210.0, 1.0, 0.03)


@pytest.mark.parametrize(
    "trouble", ["  Non-2xx or 3xx responses: 12\n", "  Socket errors: connect 0, read 3\n"]
)
def test_a_report_with_errors_stops_the_benchmark(trouble: str) -> None:
    """Figures measured on failing requests would flatter the server, so they are refused."""
    with pytest.raises(SystemExit, match="wrk saw errors"):
        parse_wrk(WRK_REPORT + trouble, 1.0, 0.03)


def test_an_unreadable_report_stops_the_benchmark() -> None:
    """Without a rate, a count and both percentiles there is nothing to report."""
    with pytest.raises(SystemExit, match="cannot read wrk's report"):
        parse_wrk("Requests/sec: 10\n", 1.0, 0.03)


def test_busy_is_the_share_of_busy_jiffies() -> None:
    """75 busy jiffies out of 100 is 75%; no reading, or no time passed, is NaN."""
    assert busy((100, 1000), (175, 1100)) == 0.75
    assert math.isnan(busy(None, (1, 2)))
    assert math.isnan(busy((1, 2), (1, 2)))


def test_median_is_taken_figure_by_figure() -> None:
    """Each figure's median comes from its own column."""
    rounds = [Round(1, 10, 9, 5, 1, 0), Round(3, 30, 1, 4, 1, 0), Round(2, 20, 5, 6, 1, 0)]
    assert median(rounds) == Round(2, 20, 5, 5, 1, 0)


def test_a_round_where_wrk_was_the_busier_is_load_bound() -> None:
    """A load generator at 95% while the server had CPU to spare measured itself, not the server."""
    assert Round(1, 1, 1, 1, server_cpu=0.7, load_cpu=0.95).load_bound()
    assert not Round(1, 1, 1, 1, server_cpu=1.0, load_cpu=0.95).load_bound()
    assert not Round(1, 1, 1, 1, server_cpu=1.0, load_cpu=0.2).load_bound()


def rounds(
    rates: dict[str, float], server_cpu: float = 1.0, load_cpu: float = 0.1
) -> dict[str, list[Round]]:
    """One round a target at the given rates, every other target at 1000 req/s."""
    return {
        target.label: [Round(rates.get(target.label, 1000.0), 1, 1.0, 2.0, server_cpu, load_cpu)]
        for target in (
            *TARGETS,
            *DATABASE_TARGETS,
            PUBLIC_ROUTE,
            PROTECTED_ROUTE,
            RELAY,
            RELAY_TWIN,
            DOCUMENT,
            GZIPPED,
        )
    }


def test_the_report_prints_every_ratio_and_passes_when_each_bar_is_met(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Plumbing at 0.95 of bare Quart and 2 times the book's quart run: both bars met."""
    rates = {
        BARE.label: 10000.0,
        SERVE.label: 9500.0,
        BOOK.label: 4750.0,
        FASTAPI.label: 19000.0,
        READ.label: 1600.0,
        READ_TWIN.label: 2000.0,
        LIST.label: 1500.0,
        LIST_TWIN.label: 1500.0,
        PUBLIC_ROUTE.label: 9000.0,
        PROTECTED_ROUTE.label: 6300.0,
        RELAY.label: 3000.0,
        RELAY_TWIN.label: 2500.0,
        DOCUMENT.label: 4000.0,
        GZIPPED.label: 3000.0,
    }
    assert report(rounds(rates)) == []
    output = capsys.readouterr().out
    assert (
        "plumbing: make serve / bare Quart, same server      0.95  (at least 0.90: yes)" in output
    )
    assert (
        "production: make serve / the book's quart run       2.00  (at least 1.70: yes)" in output
    )
    assert "make serve / FastAPI on uvicorn                     0.50\n" in output
    assert "db read: make serve / FastAPI + SQLAlchemy          0.80\n" in output
    assert "db list of 20: make serve / FastAPI + SQLAlchemy    1.00\n" in output
    assert "a token checked: protected route / public route     0.70\n" in output
    assert "a 20 ms downstream x256: make serve / FastAPI       1.20\n" in output
    assert "gzip: openapi.json compressed / plain               0.75\n" in output


def test_a_ratio_under_its_bar_or_a_load_bound_round_fails_the_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each shortfall is named, so that the run ends with the reasons."""
    rates = {BARE.label: 10000.0, SERVE.label: 8000.0, BOOK.label: 4000.0}
    failures = report(rounds(rates, server_cpu=0.8, load_cpu=0.99))
    assert "plumbing: make serve / bare Quart, same server is 0.80, under 0.90" in failures
    assert f"wrk was the bottleneck in a round of {SERVE.label}" in failures
    assert "(at least 0.90: NO)" in capsys.readouterr().out


def test_a_service_whose_routes_require_tokens_is_served_with_the_stand_in_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A team's view requires a token: the benchmark's `make serve` still starts and answers."""
    provider = KeyServer()
    for name, value in identity_settings(provider).items():
        monkeypatch.setenv(name, value)
    server = replace(SERVE, command=SERVE_CALLERS).start()
    try:
        assert server.get("/open")[0] == 200
    finally:
        assert server.stop(signal.SIGTERM) == 0
