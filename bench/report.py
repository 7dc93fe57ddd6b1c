"""bench/perf.py's results: the targets and their verdicts, bench/results.json and the table in
docs/performance.md (between its markers)."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

from sampling import verdict

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
REPORT = ROOT / "docs" / "performance.md"
PAGES = ("home", "history", "log", "list", "record")  # the growth target's pages (issue 13)
TARGETS = {
    # Issue 13's.
    "growth_max": 1.3,
    "list_p50_ms_max": 150,
    "home_p50_ms_max": 40,
    "home_rps_ratio_min": 0.3,
    # Issue 20's.
    "chart_uncached_p50_ms_max": 20,
    "chart_304_p50_ms_max": 3,
    "record_with_charts_uncached_p50_ms_max": 80,
    "record_p50_ms_max": 25,
    "home_with_chart_uncached_p50_ms_max": 25,
    "home_uncached_rps_ratio_min": 0.15,
    "log_queries_max": 10,
    "log_p50_ms_max": 15,
    "fhir_p50_ms_max": 40,
    "calendar_p50_ms_max": 10,
}
NAMES = {
    "home": "Patient home (cache mix)",
    "home_uncached": "Patient home, after a change",
    "home_with_chart": "Home with its chart (cache mix)",
    "home_with_chart_uncached": "Home with its chart, after a change",
    "history": "History",
    "log": "Log an injection (POST)",
    "list": "Triage list",
    "record": "Patient record (HTML, cache mix)",
    "record_uncached": "Patient record (HTML), after a change",
    "record_with_charts": "Record with its charts (cache mix)",
    "record_with_charts_uncached": "Record with its charts, after a change",
    "fhir": "FHIR export (patient's own)",
    "calendar": "Calendar feed (cache mix)",
    "calendar_uncached": "Calendar feed, after a change",
}


def combine(runs: list[dict]) -> dict:
    """One set's rounds as one result: the median of the rounds' p50, p95 and mean; the
    samples of one round and the number of rounds beside them."""
    out = dict(runs[-1])
    out["pages"] = {}
    for page, last in runs[-1]["pages"].items():
        counts = {
            json.dumps(run["pages"][page].get("queries_by_event", run["pages"][page]["queries"]))
            for run in runs
        }
        if len(counts) != 1:
            raise RuntimeError(f"{page}: the query count changed between rounds: {counts}")
        entry = {key: value for key, value in last.items() if not key.endswith("_ms")}
        for figure in ("p50_ms", "p95_ms", "mean_ms"):
            entry[figure] = round(statistics.median(run["pages"][page][figure] for run in runs), 2)
        entry["p50_ms_rounds"] = [run["pages"][page]["p50_ms"] for run in runs]
        entry["rounds"] = len(runs)
        out["pages"][page] = entry
    return out


def samples(entry: dict) -> str:
    return f"{entry['samples']} × {entry['rounds']} rounds"


def verdicts(large: dict, wrk: dict, growth: dict, queries_identical: bool, indexes: bool):
    pages, t = large["pages"], TARGETS

    def p50(name, page, key):
        return verdict(
            name,
            pages[page]["p50_ms"],
            t[key],
            at_most=True,
            samples=samples(pages[page]),
            unit=" ms",
        )

    out = [
        {
            "name": "queries identical for both sets",
            "value": queries_identical,
            "target": "yes",
            "samples": "-",
            "met": queries_identical,
        },
        verdict(
            "growth, worst of the issue 13 pages",
            max(growth[p] for p in PAGES),
            t["growth_max"],
            at_most=True,
            samples="p50s of both sets",
            unit="",
        ),
        p50("triage list p50", "list", "list_p50_ms_max"),
        p50("patient home p50 (cache mix)", "home", "home_p50_ms_max"),
        verdict(
            "cached home throughput / trivial view's",
            wrk["home_rps_ratio"],
            t["home_rps_ratio_min"],
            at_most=False,
            samples=wrk["samples"]["home"],
            unit="",
        ),
        {
            "name": "list's and record's queries use indexes",
            "value": indexes,
            "target": "yes",
            "samples": "-",
            "met": indexes,
        },
    ]
    for page in sorted(pages):
        if page.startswith("chart_"):
            key = "chart_304_p50_ms_max" if page.endswith("_304") else "chart_uncached_p50_ms_max"
            what = "answered 304" if page.endswith("_304") else "drawn, after a change"
            out.append(p50(f"{page.removesuffix('_304')} p50, {what}", page, key))
    out += [
        p50(
            "record with all its charts p50, after a change",
            "record_with_charts_uncached",
            "record_with_charts_uncached_p50_ms_max",
        ),
        p50("record HTML p50", "record", "record_p50_ms_max"),
        p50(
            "home with its chart p50, after a change",
            "home_with_chart_uncached",
            "home_with_chart_uncached_p50_ms_max",
        ),
        verdict(
            "uncached home throughput / trivial view's",
            wrk["home_uncached_rps_ratio"],
            t["home_uncached_rps_ratio_min"],
            at_most=False,
            samples=wrk["samples"]["home_uncached"],
            unit="",
        ),
        verdict(
            "log an injection: queries",
            pages["log"]["queries"],
            t["log_queries_max"],
            at_most=True,
            samples="1 request",
            unit="",
        ),
        p50("log an injection p50", "log", "log_p50_ms_max"),
        p50("FHIR export of three years p50", "fhir", "fhir_p50_ms_max"),
        p50("calendar feed p50", "calendar", "calendar_p50_ms_max"),
    ]
    return out


def results(args, sets: dict, wrk: dict, seeding: dict, reference: dict) -> dict:
    small, large = sets["small"], sets["large"]
    growth = {
        page: round(large["pages"][page]["p50_ms"] / small["pages"][page]["p50_ms"], 2)
        for page in large["pages"]
    }
    queries = {
        label: {page: entry["queries"] for page, entry in data["pages"].items()}
        for label, data in sets.items()
    }
    identical = queries["small"] == queries["large"]
    indexes = all(data["explain"]["all_use_indexes"] for data in sets.values())
    checks = verdicts(large, wrk, growth, identical, indexes)
    return {
        "pages": {page: entry for page, entry in large["pages"].items()},
        "growth": growth,
        "queries": queries,
        "throughput": wrk,
        "small": small,
        "large": large,
        "seed_seconds": seeding,
        "targets": TARGETS,
        "verdicts": checks,
        "met": {check["name"]: check["met"] for check in checks},
        "all_met": all(check["met"] for check in checks),
        "machine": {
            "cores": os.cpu_count(),
            "python": sys.version.split()[0],
            # sampling.reference_ms at the start and the end of the run: the machine's speed.
            "reference_ms": reference,
        },
        "run": {
            "patients": {"small": args.small, "large": args.large},
            "years": args.years,
            "requests": args.requests,
            "rounds": args.rounds,
            "mix": args.mix,
            "wrk_seconds": args.wrk_seconds,
            "uncached_sessions": args.sessions,
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        },
    }


def machine_speed(machine: dict) -> str:
    """The machine's speed at the start and the end of the run, to compare runs by (a fixed
    piece of Python, bench/sampling.py reference_ms): lower is faster."""
    reference = machine.get("reference_ms")
    if not reference:
        return ""
    return (
        f" The machine's speed (a fixed piece of Python, lower is faster):"
        f" {reference['start']} ms at the start, {reference['end']} ms at the end."
    )


def table(data: dict) -> str:
    run, small, large = data["run"], data["small"]["pages"], data["large"]["pages"]
    mix = ", ".join(f"{share:.0%} {event}" for event, share in run["mix"].items())
    lines = [
        f"Measured {run['when']} on {data['machine']['cores']} cores;"
        f" {run['patients']['small']:,} and {run['patients']['large']:,} patients with"
        f" {run['years']:g} years each; {run['requests']} timed requests per page in each of"
        f" {run['rounds']} rounds, alternating between the sets; each figure is the median of"
        f" the rounds'. Cache mix: {mix}, the rest hits. Server time, in process."
        f"{machine_speed(data['machine'])}",
        "",
        "| Page | Samples | Small p50 | Large p50 | Large p95 | Large mean | Growth | Requests"
        " | Queries (small / large) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for page, entry in large.items():
        lines.append(
            f"| {NAMES.get(page, page.replace('_', ' '))} | {samples(entry)}"
            f" | {small[page]['p50_ms']} ms | {entry['p50_ms']} ms | {entry['p95_ms']} ms"
            f" | {entry['mean_ms']} ms | {data['growth'][page]} | {entry.get('requests_each', 1)}"
            f" | {small[page]['queries']} / {entry['queries']} |"
        )
    wrk = data["throughput"]
    lines += [
        "",
        wrk["description"],
        "",
        "| Under gunicorn | Requests | req/s (median) | p50 | p99 |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, entry in wrk["figures"].items():
        lines.append(
            f"| {name} | {entry['requests']} | {entry['rps']} | {entry['p50_ms']} ms"
            f" | {entry['p99_ms']} ms |"
        )
    lines += ["", "| Target | Figure | Samples | Target | Verdict |", "|---|---:|---|---|---|"]
    for check in data["verdicts"]:
        lines.append(
            f"| {check['name']} | {figure(check)} | {check['samples']} | {check['target']}"
            f" | {'met' if check['met'] else '**MISSED**'} |"
        )
    return "\n".join(lines)


def figure(check: dict) -> str:
    if isinstance(check["value"], bool):
        return "yes" if check["value"] else "no"
    return f"{check['value']}{check.get('unit', '')}"


def write_report(data: dict) -> None:
    RESULTS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    text = REPORT.read_text()
    before, rest = text.split(start, 1)
    _old, after = rest.split(end, 1)
    REPORT.write_text(f"{before}{start}\n{table(data)}\n{end}{after}")
