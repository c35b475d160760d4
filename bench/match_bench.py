"""Benchmark of matching: index build time and memory, match latency in the core and through the
app, beside two baselines — a naive pure-Python matcher and a trivial JSON endpoint of the same app.

Run: ``python bench/match_bench.py [--sizes 1000,10000,100000] [--queries 300] [--repeat 1] [--spread 1]``
(or ``make bench``); ``--repeat 5`` times each query's best of 5 rounds, for a machine shared with others;
``--spread 0.1`` packs the directory into a 20 x 20 km square (bench/synthetic.py: dense, like the scale
benchmark's 1M directory).
Prints one line per step and two tables at the end. Not a test: it asserts nothing. The naive
baseline is the reference in tests/unit/matching/naive.py, on the smaller sizes with fewer queries.
The app figures go through the whole Flask app in this process (bench/app_floor.py): key check,
rate limiter, schema validation, matching, presenter, JSON; the floor is ``GET /bench/hello`` with
the same key, so "app − floor" is what a match adds to a request.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from app_floor import measure  # noqa: E402
from synthetic import make_directory, make_queries  # noqa: E402
from targets import verdict  # noqa: E402

from referral.matching.engine import match  # noqa: E402
from referral.matching.index import build_index  # noqa: E402
from tests.unit.matching.naive import naive_match  # noqa: E402

SEED = 20261130
NAIVE_MAX_SIZE, NAIVE_QUERIES = 10_000, 30


def percentiles(seconds: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in milliseconds."""
    p = np.percentile(np.array(seconds) * 1000, [50, 95, 99])
    return float(p[0]), float(p[1]), float(p[2])


def timed_build(directory):
    """(index, seconds, peak MB): time from a plain build, memory from a traced second build; then the
    long-lived objects leave the garbage collector, as in a worker (referral/serving.py)."""
    gc.collect()
    start = time.perf_counter()
    index = build_index(directory)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    build_index(directory)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    gc.collect()
    gc.freeze()
    return index, seconds, peak


def latencies(run, queries, repeat: int = 1) -> list[float]:
    """Seconds per query; with ``repeat`` > 1, each query's best of that many rounds (a neighbour's
    load on a shared machine only ever adds time, so the best round is the closest to the code's own)."""
    for query in queries[:5]:
        run(query)  # warm caches
    best = [float("inf")] * len(queries)
    for _round in range(repeat):
        for i, query in enumerate(queries):
            start = time.perf_counter()
            run(query)
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def bench_size(n: int, n_queries: int, repeat: int = 1, spread: float = 1.0) -> dict:
    directory = make_directory(n, SEED, spread)
    index, build_s, build_mb = timed_build(directory)
    queries = make_queries(directory, n_queries, SEED + 1)
    fast = percentiles(latencies(lambda q: match(index, q), queries, repeat))
    row = dict(n=n, sites=sum(len(s.sites) for s in directory.services), build_s=build_s, build_mb=build_mb, fast=fast)
    app = measure(index, queries)
    row.update(app=percentiles(app["match"]), floor=percentiles(app["floor"]))
    if n <= NAIVE_MAX_SIZE:
        slow = percentiles(latencies(lambda q: naive_match(index, directory, q), queries[:NAIVE_QUERIES]))
        row.update(naive=slow, speedup=statistics.median([slow[0] / fast[0]]))
    print(
        f"{n:>7} services done: build {build_s:.2f} s, {build_mb:.0f} MB; match p50/p95/p99 "
        f"{fast[0]:.2f}/{fast[1]:.2f}/{fast[2]:.2f} ms; through the app p95 {row['app'][1]:.2f} ms",
        flush=True,
    )
    return row


def table(rows: list[dict]) -> str:
    head = f"{'services':>9} {'sites':>7} {'build s':>8} {'build MB':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'naive p50':>10} {'naive p95':>10} {'speed-up':>9}"
    lines = [head, "-" * len(head)]
    for r in rows:
        naive = r.get("naive")
        extra = (
            f"{naive[0]:>10.1f} {naive[1]:>10.1f} {r['speedup']:>8.0f}x" if naive else f"{'-':>10} {'-':>10} {'-':>9}"
        )
        p = r["fast"]
        lines.append(
            f"{r['n']:>9} {r['sites']:>7} {r['build_s']:>8.2f} {r['build_mb']:>9.0f} {p[0]:>7.2f} {p[1]:>7.2f} {p[2]:>7.2f} {extra}"
        )
    return "\n".join(lines)


def app_table(rows: list[dict]) -> str:
    head = f"{'services':>9} {'app p50':>8} {'app p95':>8} {'floor p50':>10} {'floor p95':>10} {'app - floor p50':>16}"
    lines = [head, "-" * len(head)]
    for r in rows:
        app, floor = r["app"], r["floor"]
        lines.append(
            f"{r['n']:>9} {app[0]:>8.2f} {app[1]:>8.2f} {floor[0]:>10.2f} {floor[1]:>10.2f} {app[0] - floor[0]:>16.2f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=1, help="core: each query's best of this many rounds")
    parser.add_argument("--spread", type=float, default=1.0, help="the places' square, times 200 km (synthetic.py)")
    args = parser.parse_args()
    rows = [bench_size(int(n), args.queries, args.repeat, args.spread) for n in args.sizes.split(",")]
    best = f", each query's best of {args.repeat} rounds (naive: one)" if args.repeat > 1 else ""
    print(f"\nThe core, in process (ms{best}):")
    print(table(rows))
    print("\nThrough the app, Flask test client in process (ms); floor = a trivial JSON endpoint:")
    print(app_table(rows))
    print("\nIssue 16's targets for the core (p95 in process):")
    for size, limit in ((10_000, 1.0), (100_000, 2.0)):
        found = [r["fast"][1] for r in rows if r["n"] == size]
        print(verdict(f"core p95 at {size:,} services", found[0] if found else float("nan"), limit, "ms"))


if __name__ == "__main__":
    main()
