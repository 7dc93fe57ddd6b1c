"""The bench's own arithmetic (bench/sampling.py): a bench that timed fewer requests than it
said, or a cache mix that was all hits, would report figures nobody measured."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import sampling  # noqa: E402
from sampling import CHANGE, HIT, HOUR  # noqa: E402


def test_timed_runs_the_requested_number_of_samples():
    calls, befores = [], []
    ticks = iter(range(1000))
    times = sampling.timed(
        lambda: calls.append(1), 100, befores.append, clock=lambda: next(ticks) / 1000
    )
    assert len(times) == 100
    assert len(calls) == 100
    assert befores == list(range(100))
    assert times == pytest.approx([1.0] * 100)  # one tick of the fake clock, a millisecond, each


def test_the_machine_reference_is_the_median_of_its_timed_runs():
    """Each run of the fixed work is timed on its own: 1, 2, ... 7 ticks of a fake clock."""
    readings = iter([0, 1, 10, 12, 20, 23, 30, 34, 40, 45, 50, 56, 60, 67])
    assert sampling.reference_ms(7, clock=lambda: next(readings) / 1000) == 4.0


def test_the_mix_gives_each_event_its_share_spread_over_the_run():
    plan = sampling.schedule(100, {CHANGE: 0.2, HOUR: 0.2})
    assert len(plan) == 100
    assert abs(plan.count(CHANGE) - 20) <= 1
    assert abs(plan.count(HOUR) - 20) <= 1
    # Spread out: every run of ten requests has misses and hits.
    for start in range(0, 100, 10):
        window = plan[start : start + 10]
        assert HIT in window
        assert CHANGE in window
        assert HOUR in window


def test_no_mix_is_all_hits_and_a_full_share_all_misses():
    assert sampling.schedule(5, {}) == [HIT] * 5
    assert sampling.schedule(5, {CHANGE: 1.0}) == [CHANGE] * 5


def test_a_mix_over_the_whole_is_refused():
    with pytest.raises(ValueError, match="not a mix"):
        sampling.schedule(10, {CHANGE: 0.6, HOUR: 0.6})


def test_percentiles_and_summary_say_how_many_samples():
    values = [float(n) for n in range(1, 101)]
    assert sampling.percentile(values, 0.5) == 50
    assert sampling.percentile(values, 0.95) == 95
    assert sampling.percentile([7.0], 0.99) == 7
    assert sampling.summary(values) == {
        "p50_ms": 50,
        "p95_ms": 95,
        "mean_ms": 50.5,
        "samples": 100,
    }


def test_images_are_the_charts_the_page_shows_once_each():
    html = """
      <img src="/static/logo.svg" alt="">
      <img class="x" src="/patients/7/charts/symptoms.svg?compact=1&amp;a=b" alt="s">
      <IMG alt="i" src="/patients/7/charts/intervals.svg">
      <img src="/patients/7/charts/intervals.svg">
    """
    assert sampling.images(html, "/patients/7/charts") == [
        "/patients/7/charts/symptoms.svg?compact=1&a=b",
        "/patients/7/charts/intervals.svg",
    ]


WRK = """Running 5s test @ http://127.0.0.1:8000/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.43ms    2.10ms  40.00ms   90.00%
  Latency Distribution
     50%  850.00us
     75%    6.00ms
     90%    8.00ms
     99%    1.20s
  7301 requests in 5.00s, 1.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:   1460.20
Transfer/sec:    200.00KB
repeats 12
"""


def test_wrk_figures_read_rate_latencies_in_their_units_and_failures():
    assert sampling.wrk_figures(WRK) == {
        "rps": 1460.2,
        "requests": 7301,
        "p50_ms": 0.85,
        "p99_ms": 1200.0,
        "failed": 3,
        "socket_errors": "",
        "repeats": 12,
    }


def test_a_missed_target_is_reported_missed():
    assert (
        sampling.verdict("x", 21.0, 20, at_most=True, samples="40 × 3", unit=" ms")["met"] is False
    )
    assert (
        sampling.verdict("x", 20.0, 20, at_most=True, samples="40 × 3", unit=" ms")["met"] is True
    )
    assert sampling.verdict("r", 0.1, 0.15, at_most=False, samples="n", unit="")["met"] is False
