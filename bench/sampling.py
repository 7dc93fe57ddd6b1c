"""The bench's own arithmetic, without Django: how many requests are timed, which of them find
the cache empty, percentiles, the images a page shows, wrk's figures and the targets' verdicts.

Imported by bench/measure.py and bench/perf.py; tested by tests/bench/test_sampling.py.
"""

from __future__ import annotations

import math
import re
import statistics
import time
from collections.abc import Callable

HIT, CHANGE, HOUR = "hit", "after a change", "at the hour's turn"

# The cache mix of a cached page (the patient's home, and the charts): of every ten requests,
# two follow a change to the record (an injection or a check-in logged: the patient is sent
# back to the home, whose page and chart are then drawn anew), two are the first of their hour
# (the home's key names the hour: the first view of a visit is usually one), six find the page
# stored (the home seen again during the visit). docs/performance.md says why.
MIX = {CHANGE: 0.2, HOUR: 0.2}


def reference_ms(repeat: int = 7, clock: Callable[[], float] = time.perf_counter) -> float:
    """The machine's speed now, to compare runs by: the median time, in ms, of a fixed piece
    of pure Python of the kind a page runs (a dict built, sorted, written out as HTML cells).
    The work is the same on every run, so when this figure moves between runs, or between the
    start and the end of one, the machine moved, not the code."""

    def work() -> int:
        values = {f"key-{i}": (i * 7919) % 1000 for i in range(20_000)}
        rows = sorted(values.items(), key=lambda item: item[1])
        return len("".join(f"<td>{key}</td><td>{value}</td>" for key, value in rows))

    work()  # warmed up: the first run also pays for the interpreter's own allocations
    times = []
    for _ in range(repeat):
        began = clock()
        work()
        times.append((clock() - began) * 1000)
    return round(statistics.median(times), 2)


def schedule(samples: int, mix: dict[str, float]) -> list[str]:
    """What precedes each of `samples` timed requests: HIT, or one of the mix's events, each
    event spread evenly over the run (the one most owed goes first; at most one a request)."""
    if sum(mix.values()) > 1 or any(share < 0 for share in mix.values()):
        raise ValueError(f"not a mix: {mix}")
    plan, owed = [], dict.fromkeys(mix, 0.0)
    for _ in range(samples):
        for event, share in mix.items():
            owed[event] += share
        event = max(owed, key=owed.get, default=None)
        if event is not None and owed[event] >= 1 - 1e-9:
            plan.append(event)
            owed[event] -= 1
        else:
            plan.append(HIT)
    return plan


def timed(request: Callable[[], object], samples: int, before=None, clock=time.perf_counter):
    """Time `samples` calls of `request` (milliseconds); `before(index)`, if given, runs untimed
    ahead of each. Exactly `samples` figures come back, whatever the request does."""
    times = []
    for index in range(samples):
        if before is not None:
            before(index)
        began = clock()
        request()
        times.append((clock() - began) * 1000)
    return times


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of them at or
    below it."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def summary(times: list[float]) -> dict:
    return {
        "p50_ms": round(percentile(times, 0.5), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "mean_ms": round(statistics.fmean(times), 2),
        "samples": len(times),
    }


IMG = re.compile(r"<img\b[^>]*?\bsrc=\"([^\"]+)\"", re.IGNORECASE)


def images(html: str, prefix: str = "") -> list[str]:
    """The addresses of the images a page shows (its <img> elements), in order, once each;
    with `prefix`, only those under it (the charts, not the static logo)."""
    seen = []
    for src in IMG.findall(html):
        src = src.replace("&amp;", "&")
        if src.startswith(prefix) and src not in seen:
            seen.append(src)
    return seen


# -- wrk ------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk_figures(out: str) -> dict:
    """Requests per second, p50 and p99 latency (ms) and failed answers from wrk --latency."""

    def latency(share: str) -> float:
        match = re.search(rf"^\s*{share}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
        if match is None:
            raise ValueError(f"no {share}% latency in wrk's output:\n{out}")
        return round(float(match.group(1)) * UNITS[match.group(2)], 2)

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: (.*)", out)
    repeats = re.search(r"^repeats (\d+)$", out, re.MULTILINE)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "failed": int(errors.group(1)) if errors else 0,
        "socket_errors": socket.group(1).strip() if socket else "",
        # The uncached run's script: requests that found a patient's page already drawn.
        "repeats": int(repeats.group(1)) if repeats else 0,
    }


# -- targets --------------------------------------------------------------------------------


def verdict(name: str, value: float, target: float, *, at_most: bool, samples, unit: str):
    """One target's line: the figure, how many samples it rests on, and whether it is met."""
    met = value <= target if at_most else value >= target
    return {
        "name": name,
        "value": value,
        "target": f"{'<=' if at_most else '>='} {target:g}{unit}",
        "unit": unit,
        "samples": samples,
        "met": bool(met),
    }
