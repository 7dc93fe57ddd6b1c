"""Is a speed-up worth keeping? Server time of a page with and without it, in the same run.

    git archive <commit> | tar -x -C /tmp/before      # the code as it was, to compare with
    .venv/bin/python bench/speedups.py --tree before=/tmp/before --tree after=.

It times pages on the large set of `make bench` (the database b12_bench_large, 10,000
patients; --db names another, seeded the same way) with production
settings and a Redis cache and sessions, as bench/measure.py does: Django's test Client, in
process, signed in as the patient bench/measure.py picks.

Each tree is a copy of the project: what differs between two trees (the whole-page cache
against a `{% cache %}` fragment, say) is compared across processes, one per tree in each
round, in alternating order. Within a process, every combination of the user backends and the
cache backends that tree has is timed in short interleaved batches, so those comparisons share
everything else. The machine is shared: each figure is the median over the rounds of that
round's p50, and a ratio is the median of the rounds' ratios.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess  # noqa: S404 - runs this script again, with fixed arguments
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
USER_BACKENDS = {
    "raw-sql user": "accounts.backends.UserBackend",
    "ModelBackend": "django.contrib.auth.backends.ModelBackend",
}
CACHE_BACKENDS = {
    "config.cache": "config.cache.RedisCache",
    "Django's Redis": "django.core.cache.backends.redis.RedisCache",
    "django-redis": "django_redis.cache.RedisCache",
}
PAGES = {"home": 1, "history": 4}  # how many times fewer requests a slower page gets


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", action="append", required=True, help="NAME=PATH, repeated")
    parser.add_argument("--db", default="b12_bench_large")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200, help="per variant, round, page")
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--pages", nargs="+", default=list(PAGES), choices=PAGES)
    parser.add_argument("--out", help="write the results here as JSON")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# -- in the measuring process (cwd: the tree) -------------------------------------------------


def child(args) -> dict:
    tree = Path.cwd()
    sys.path.insert(0, str(tree / "bench"))
    import measure  # the tree's bench/measure.py: sets Django up from the tree
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse
    from django.utils.module_loading import import_string

    def available(paths: dict) -> dict:
        out = {}
        for name, path in paths.items():
            try:
                import_string(path)
            except ImportError:
                continue
            out[name] = path
        return out

    users, caches = available(USER_BACKENDS), available(CACHE_BACKENDS)
    _clinician, patient = measure.people()
    backends = ["axes.backends.AxesStandaloneBackend", *users.values()]
    times = {}
    with override_settings(AUTHENTICATION_BACKENDS=backends):
        clients = {}
        for name, path in users.items():
            clients[name] = Client()
            clients[name].force_login(patient, backend=path)
        variants = list(itertools.product(users, caches))
        urls = {page: reverse(page) for page in args.pages}
        for batch in range(args.requests // args.batch):
            # A different variant goes first in each batch.
            shift = batch % len(variants)
            for user, cache in variants[shift:] + variants[:shift]:
                location = {"BACKEND": caches[cache], "LOCATION": args.redis}
                with override_settings(CACHES={"default": location}):
                    for page in args.pages:
                        fewer = PAGES[page]
                        count = max(1, args.batch // fewer)
                        client = clients[user]
                        for _ in range(3 if fewer == 1 else 1):  # a new cache object: connect
                            assert client.get(urls[page]).status_code == 200
                        wall = times.setdefault(f"{page}|{user}|{cache}|wall", [])
                        cpu = times.setdefault(f"{page}|{user}|{cache}|cpu", [])
                        for _ in range(count):
                            began, began_cpu = time.perf_counter(), time.process_time()
                            client.get(urls[page])
                            cpu.append((time.process_time() - began_cpu) * 1000)
                            wall.append((time.perf_counter() - began) * 1000)
    return {cell: statistics.median(values) for cell, values in times.items()}


# -- the driver -----------------------------------------------------------------------------


def environment(args) -> dict:
    sys.path.insert(0, str(HERE))
    import perf

    settings = perf.parse_args(["--redis", "none"])
    env = perf.environment(settings, args.db, "speedups-bench-secret-" + "x" * 40, 0)
    env["DJANGO_CACHE_URL"] = args.redis
    return env


def run_tree(args, path: str, env: dict) -> dict:
    command = [sys.executable, __file__, "--child", "--tree", "x=."]
    command += ["--redis", args.redis, "--requests", str(args.requests)]
    command += ["--batch", str(args.batch), "--pages", *args.pages]
    out = subprocess.run(  # noqa: S603 - fixed arguments
        command,
        cwd=path,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def report(rounds: dict) -> dict:
    """Each cell (tree|page|user backend|cache backend|wall or cpu): the median over rounds of
    its p50; and each cell against the same cell with the tree's first user and cache backend
    and against the same cell in the first tree, as the median of the rounds' ratios."""
    cells = {}
    for tree, runs in rounds.items():
        for cell in runs[0]:
            cells[f"{tree}|{cell}"] = [run[cell] for run in runs]
    first_tree = next(iter(rounds))
    ratios = {}
    for cell in cells:
        tree, page, user, cache, clock = cell.split("|")
        references = {
            "against the first backends": f"{tree}|{page}|{next(iter(USER_BACKENDS))}"
            f"|{next(iter(CACHE_BACKENDS))}|{clock}",
            "against the first tree": f"{first_tree}|{page}|{user}|{cache}|{clock}",
        }
        for name, reference in references.items():
            if reference != cell and reference in cells:
                pairs = zip(cells[cell], cells[reference], strict=True)
                ratios.setdefault(name, {})[cell] = round(
                    statistics.median(a / b for a, b in pairs), 3
                )
    medians = {cell: round(statistics.median(values), 2) for cell, values in cells.items()}
    return {"p50_ms": medians, "ratios": ratios, "rounds": cells}


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child(args)))
        return 0
    trees = dict(item.split("=", 1) for item in args.tree)
    env = environment(args)
    for path in trees.values():  # production settings serve the manifest's names
        subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=path,
            env={**os.environ, **env},
            check=True,
        )
    rounds = {name: [] for name in trees}
    for number in range(args.rounds):
        order = list(trees) if number % 2 == 0 else list(reversed(trees))
        for name in order:
            print(f"[speedups] round {number + 1}: {name}", file=sys.stderr, flush=True)
            rounds[name].append(run_tree(args, trees[name], env))
    data = report(rounds)
    for cell, value in sorted(data["p50_ms"].items()):
        against = [
            f"{ratios[cell]:.3f} {name}"
            for name, ratios in data["ratios"].items()
            if cell in ratios
        ]
        print(f"{cell:50} {value:7.2f} ms  " + ", ".join(against))
    if args.out:
        Path(args.out).write_text(json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
