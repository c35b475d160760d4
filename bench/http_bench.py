"""HTTP benchmark: ``referral serve`` driven from outside by a bounded async load generator (httpx).

For each directory size: import a synthetic directory (bench/served.py) into SQLite — and into
PostgreSQL too when ``--postgres URL`` names a disposable database — start the server in each worker
model of ``--models`` (``default``: what ``referral serve`` runs, one gthread process per core with
8 threads; ``PxT``: P processes x T threads), then for concurrency 1, 2 and 8 send requests to the
trivial endpoint (``/v1/health/live``, the floor: no database, no rate limit), ``/v1/health`` and
``POST /v1/match`` (with a key): at most ``--requests`` each, for at most ``--seconds``. Prints one
table, each endpoint's throughput beside the trivial endpoint's at the same size, model and
concurrency, with the CPU one request cost the workers (from /proc) and this process (the client);
asserts nothing. The client runs on the same cores as the server, so the floor is partly the
client's own cost: the run ends with the target read on the server's side alone too (the workers'
CPU per trivial request over theirs per match).

    .venv/bin/python bench/http_bench.py [--sizes 10000,100000] [--models default,1x16] [--requests 400]
                                         [--seconds 15] [--postgres postgresql+psycopg://user@host/db]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from served import TICK_S, Server, match_body, prepare
from targets import verdict

CONCURRENCY = (1, 2, 8)


def driven(server: Server, make, concurrency: int, requests: int, seconds: float) -> dict:
    """``drive``'s figures and the CPU each request cost: the workers' (server ms) and this process's,
    the load generator (client ms). The server's share is what a client on other cores would not change."""
    ticks, mine = server.cpu_ticks(), time.process_time()
    row = asyncio.run(drive(server.base, make, concurrency, requests, seconds))
    n = max(row["n"], 1)
    server_ms = (server.cpu_ticks() - ticks) * TICK_S * 1000 / n
    return dict(row, server_ms=server_ms, client_ms=(time.process_time() - mine) * 1000 / n)


async def drive(base: str, make, concurrency: int, requests: int, seconds: float) -> dict:
    """``concurrency`` clients, each on its own keep-alive connection, until ``requests`` or ``seconds``."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    left = iter(range(requests))

    async def client(k: int) -> None:
        nonlocal errors
        rng = random.Random(k)
        async with httpx.AsyncClient(base_url=base, timeout=60) as session:
            for _ in left:
                if time.perf_counter() > deadline:
                    return
                method, path, kwargs = make(rng)
                started = time.perf_counter()
                answer = await session.request(method, path, **kwargs)
                latencies.append(time.perf_counter() - started)
                errors += answer.status_code != 200

    started = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(concurrency)))
    elapsed = time.perf_counter() - started
    p50, p95 = np.percentile(np.array(latencies) * 1000, [50, 95]) if latencies else (float("nan"),) * 2
    return dict(n=len(latencies), rps=len(latencies) / elapsed, p50=p50, p95=p95, errors=errors)


def endpoints(directory) -> dict:
    auth = {"Authorization": f"Bearer {directory.worker_key}"}
    return {
        "trivial": lambda rng: ("GET", "/v1/health/live", {}),
        "health": lambda rng: ("GET", "/v1/health", {}),
        "match": lambda rng: ("POST", "/v1/match", {"json": match_body(rng, directory.codes), "headers": auth}),
    }


def bench(directory, model: str, requests: int, seconds: float) -> list[dict]:
    rows = []
    workers, threads = (None, None) if model == "default" else map(int, model.split("x"))
    with Server(directory, workers, threads) as server:
        model = f"{len(server.worker_rss_mb())}x{threads or 8}"
        rss = server.worker_rss_mb()
        print(
            f"  server up (index built before traffic) in {server.start_s:.1f} s; worker RSS "
            f"{', '.join(f'{mb:.0f}' for mb in rss)} MB",
            flush=True,
        )
        for name, make in endpoints(directory).items():
            asyncio.run(drive(server.base, make, 2, 150, seconds))  # warm up: the first seconds after start run slow
            for concurrency in CONCURRENCY:
                row = driven(server, make, concurrency, requests, seconds)
                rows.append(dict(size=directory.services, model=model, endpoint=name, concurrency=concurrency, **row))
                print(
                    f"  {model} {name:>8} c={concurrency}: {row['rps']:.0f}/s p50 {row['p50']:.1f} ms "
                    f"p95 {row['p95']:.1f} ms; CPU per request: server {row['server_ms']:.2f} ms, "
                    f"client {row['client_ms']:.2f} ms",
                    flush=True,
                )
    return rows


def table(rows: list[dict]) -> str:
    head = (
        f"{'database':>10} {'services':>8} {'model':>5} {'endpoint':>8} {'clients':>7} {'req/s':>6} "
        f"{'p50 ms':>6} {'p95 ms':>6} {'errors':>6} {'of trivial':>10} {'server ms':>9} {'client ms':>9}"
    )
    lines = [head, "-" * len(head)]
    floor = {
        (r["database"], r["size"], r["model"], r["concurrency"]): r["rps"] for r in rows if r["endpoint"] == "trivial"
    }
    for r in rows:
        base = floor[(r["database"], r["size"], r["model"], r["concurrency"])]
        ratio = f"{r['rps'] / base:>10.0%}" if r["endpoint"] != "trivial" else f"{'':>10}"
        lines.append(
            f"{r['database']:>10} {r['size']:>8} {r['model']:>5} {r['endpoint']:>8} {r['concurrency']:>7} "
            f"{r['rps']:>6.0f} {r['p50']:>6.1f} {r['p95']:>6.1f} {r['errors']:>6} {ratio} "
            f"{r['server_ms']:>9.2f} {r['client_ms']:>9.2f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--models", default="default", help="worker models: default, or PxT (e.g. 1x16)")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--postgres", help="a disposable PostgreSQL database URL (emptied first)")
    args = parser.parse_args()
    databases = [("SQLite", None)] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
    rows = []
    for label, url in databases:
        for size in (int(s) for s in args.sizes.split(",")):
            with tempfile.TemporaryDirectory() as folder:
                print(f"{label}, {size} services: importing ...", flush=True)
                directory = prepare(Path(folder), size, url)
                print(f"  imported in {directory.import_s:.1f} s", flush=True)
                for model in args.models.split(","):
                    rows += [dict(r, database=label) for r in bench(directory, model, args.requests, args.seconds)]
    print(
        "\nHTTP: referral serve (model: processes x threads) driven by an async client on the same cores "
        "(target: match >= 50 % of trivial at 10k)\n" + table(rows)
    )
    print("\nIssue 16's target (match throughput as a share of the trivial endpoint's, 10k services):")
    trivial = {
        (r["database"], r["model"], r["concurrency"]): r
        for r in rows
        if r["endpoint"] == "trivial" and r["size"] == 10_000
    }
    matches = [r for r in rows if r["endpoint"] == "match" and r["size"] == 10_000]
    for r in matches:
        share = 100 * r["rps"] / trivial[r["database"], r["model"], r["concurrency"]]["rps"]
        target = f"match/trivial, {r['database']} {r['model']} at {r['concurrency']} clients"
        print(verdict(target, share, 50, "%", at_least=True))
    print(
        "The server's side alone (the workers' CPU per trivial request over theirs per match, 10k services: the "
        "share if the client ran elsewhere and the workers' cores were the limit):"
    )
    for r in matches:
        trivial_ms = trivial[r["database"], r["model"], r["concurrency"]]["server_ms"]
        print(
            f"  {r['database']} {r['model']} at {r['concurrency']} clients: {trivial_ms:.2f} / "
            f"{r['server_ms']:.2f} ms = {100 * trivial_ms / r['server_ms']:.0f} %"
        )


if __name__ == "__main__":
    main()
