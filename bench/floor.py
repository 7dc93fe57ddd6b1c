"""How far the uncached home is from its throughput target, and where its cost lies.

    .venv/bin/python bench/floor.py          # after `make bench` has seeded b12_bench_large

The target (docs/performance.md) asks the uncached home for 0.15 of the trivial view's rate.
This runs gunicorn as bench/perf.py does (one gthread worker of one thread per core, Redis for
the cache and sessions, the 10,000-patient set), with bench/floor_urls.py's pages added, and
measures with wrk, in --rounds rounds, each page in turn:

- the trivial view (/health/);
- a signed-in page that reads nothing more and answers a page of the home's size;
- the same with 4 and with 11 indexed queries written out in SQL (the home makes 10 of its
  own after the user's, and reads more rows: six months of its chart);
- the home's data read and worked out through the ORM as the home does, with no template;
- the home itself, uncached.

The signed-in requests go round --sessions patients' sessions (bench/rotate.lua), their
record versions raised before each round: each home is another patient's first view. Every
page is asked for once first and must answer 200. It prints each page's requests/s, its ratio
to the trivial view's and the milliseconds of a worker it takes (workers / rate). Nothing is
written.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import perf  # noqa: E402 - bench/perf.py: the environment, sign-in, wrk and the record versions
import stack  # noqa: E402

TARGET = 0.15


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="b12_bench_large", help="a database seeded by the bench")
    parser.add_argument("--patients", type=int, default=10_000, help="the patients seeded in it")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wrk-seconds", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--pg-port", type=int, default=5432)
    return parser.parse_args(argv)


def fetch(port: int, session: str | None, path: str) -> bytes:
    """One page, which must answer 200: wrk counts a redirect to the sign-in page as a
    success, so a page that lost its session would otherwise be timed as the sign-in's."""
    conn = http.client.HTTPConnection(stack.HOST, port, timeout=10)
    try:
        headers = {"Cookie": f"sessionid={session}"} if session else {}
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}, not 200")
        return body
    finally:
        conn.close()


def main(argv=None) -> int:
    args = parse_args(argv)
    if not perf.database_ready(args, args.db, args.patients):
        perf.log(f"no seeded {args.db}: run `make bench` first")
        return 1
    env = perf.environment(args, args.db, secrets.token_urlsafe(50), 15)
    env["DJANGO_SETTINGS_MODULE"] = "floor_settings"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "bench"), env.get("PYTHONPATH")]))
    perf.flush_cache(env)
    signed_in = perf.sign_in(args, env)
    workdir = Path(tempfile.mkdtemp(prefix="b12-floor-"))
    cookies = workdir / "cookies.txt"
    cookies.write_text("".join(f"{session}\n" for _pk, session in signed_in))
    workers = os.cpu_count() or 2
    server = stack.Server(SimpleNamespace(workers=workers, threads=1), env, workdir)
    server.start()
    try:
        size = len(fetch(server.port, signed_in[-1][1], "/"))
        pages = {
            "Trivial view (/health/)": "/health/",
            "Signed in, nothing read": f"/floor/bare/?bytes={size}",
            "Signed in, 4 queries in SQL": f"/floor/queries/4/?bytes={size}",
            "Signed in, 11 queries in SQL": f"/floor/queries/11/?bytes={size}",
            "The home's data through the ORM, no template": f"/floor/data/?bytes={size}",
            "The home, uncached": "/",
        }
        for url in pages.values():
            fetch(server.port, None if url == "/health/" else signed_in[0][1], url)
        runs = {name: [] for name in pages}
        for number in range(1, args.rounds + 1):
            perf.log(f"floor: round {number} of {args.rounds}")
            perf.bump(args, env, [pk for pk, _session in signed_in])
            for name, url in pages.items():
                script = None if url == "/health/" else (perf.ROTATE, cookies)
                runs[name].append(perf.wrk(args, server.port, url, script=script))
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    trivial = runs["Trivial view (/health/)"]
    print(
        f"{workers} gthread workers of one thread, wrk 2 threads 8 connections {args.wrk_seconds}"
        f" s, {args.rounds} rounds; pages of {size:,} bytes (the home's); medians of the rounds."
    )
    print("\n| Page | req/s | / trivial view's | ms of a worker | p50 |")
    print("|---|---:|---:|---:|---:|")
    for name, figures in runs.items():
        rps = statistics.median(run["rps"] for run in figures)
        pairs = zip(figures, trivial, strict=True)
        ratio = statistics.median(a["rps"] / b["rps"] for a, b in pairs)
        p50 = statistics.median(run["p50_ms"] for run in figures)
        print(f"| {name} | {rps:,.0f} | {ratio:.3f} | {1000 * workers / rps:.2f} | {p50:.1f} ms |")
    rps = statistics.median(run["rps"] for run in trivial)
    print(
        f"\nThe target, {TARGET} of the trivial view's, is {TARGET * rps:,.0f} requests/s here:"
        f" {1000 * workers / (TARGET * rps):.2f} ms of a worker per uncached home."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
