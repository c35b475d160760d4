"""What counting rate limits in the shared file costs a request, beside counting them in memory.

Builds the app twice, each on its own temporary SQLite database — rate limits counted in ``memory://`` (one
process: the baseline) and in ``referral+sqlite://`` (the file ``referral serve``'s workers share) —
and times ``GET /v1/health`` (from the worker's index, no key: the limiter is most of the work; the
liveness probe, which did less, is not limited since 2026-12-04) with the
Flask test client, alternating the two in rounds after a warm-up round so machine noise falls on both; on a
noisy machine the request figures vary by more than the difference, the storage figures do not. Also times the
storage alone: one ``hit`` (the UPSERT) and one ``get_window_stats`` (the two reads behind the
X-RateLimit headers). Prints medians in microseconds and the ratio.

    .venv/bin/python bench/limit_bench.py [--requests 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from referral.api.limit_store import SQLiteLimitStorage
from referral.app import create_app


def per_call_us(action, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        action()
    return (time.perf_counter() - started) / count * 1e6


def app_client(database: Path, storage_uri: str):
    app = create_app(
        {
            "ENV": "test",
            "DATABASE_URL": f"sqlite:///{database}",
            "LOG_LEVEL": "WARNING",
            "RATELIMIT_STORAGE_URI": storage_uri,
            "RATELIMIT_PER_ADDRESS": "100000000 per minute",
        }
    )
    return app.test_client()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        shared_uri = f"referral+sqlite:///{Path(folder) / 'limits.sqlite3'}"
        clients = {
            "memory": app_client(Path(folder) / "memory.db", "memory://"),
            "file": app_client(Path(folder) / "file.db", shared_uri),
        }
        item = parse("100000000 per minute")
        limiters = {
            "memory": FixedWindowRateLimiter(MemoryStorage()),
            "file": FixedWindowRateLimiter(SQLiteLimitStorage(shared_uri)),
        }
        times: dict[str, list[float]] = {
            f"{part} {kind}": [] for part in ("request", "hit", "stats") for kind in clients
        }
        for round_ in range(options.rounds + 1):
            for kind, client in clients.items():
                if round_ == 0:  # warm-up, not counted: the first app built runs slower for a while
                    per_call_us(lambda c=client: c.get("/v1/health"), options.requests)
                    continue
                request, limiter = (lambda c=client: c.get("/v1/health")), limiters[kind]
                times[f"request {kind}"].append(per_call_us(request, options.requests))
                times[f"hit {kind}"].append(per_call_us(lambda lim=limiter: lim.hit(item, "a"), options.requests))
                stats = lambda lim=limiter: lim.get_window_stats(item, "a")  # noqa: E731
                times[f"stats {kind}"].append(per_call_us(stats, options.requests))
    print(f"{options.rounds} rounds x {options.requests} calls, medians (µs per call)")
    for part in ("request", "hit", "stats"):
        memory, shared = statistics.median(times[f"{part} memory"]), statistics.median(times[f"{part} file"])
        print(
            f"  {part:8} memory:// {memory:8.1f}   shared file {shared:8.1f}   "
            f"+{shared - memory:7.1f} µs  ({shared / memory:.2f}x)"
        )


if __name__ == "__main__":
    main()
