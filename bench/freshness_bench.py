"""Freshness benchmark: how long after an edit every worker's matches show it, under load.

Imports a synthetic directory (bench/served.py), starts ``referral serve --workers 2`` (rate limits
off: in-memory counters cannot be shared by two processes), keeps a match load running at
concurrency 2, then edits one service through the API (PATCH with If-Match) several times: renames it,
or (``--edit move``) moves its first site ~1 km. After
each edit's answer it sends matches on fresh connections (so both workers answer) until 40 in a
row carry the new ``directory_version``; edit-to-visible is the time until the last answer that
still carried the old one. Also prints the p99 and the slowest of the load's matches during the run.
Asserts nothing.

    .venv/bin/python bench/freshness_bench.py [--sizes 10000,100000] [--edits 5] [--edit rename|move]
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

from served import Server, match_body, prepare
from targets import verdict

IN_A_ROW = 40


async def background(base: str, directory, stop: asyncio.Event, slowest: list[float]) -> None:
    rng, auth = random.Random(7), {"Authorization": f"Bearer {directory.worker_key}"}
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while not stop.is_set():
            started = time.perf_counter()
            await client.post("/v1/match", json=match_body(rng, directory.codes), headers=auth)
            slowest.append(time.perf_counter() - started)


async def one_edit(base: str, directory, service_id: str, n: int, kind: str = "rename") -> float:
    admin = {"Authorization": f"Bearer {directory.admin_key}"}
    auth = {"Authorization": f"Bearer {directory.worker_key}"}
    body = match_body(random.Random(n), directory.codes)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        service = await client.get(f"/v1/services/{service_id}", headers=admin)
        before = (await client.post("/v1/match", json=body, headers=auth)).json()["directory_version"]
        if kind == "rename":
            url, change, etag = f"/v1/services/{service_id}", {"name": f"Renamed {n}"}, service.headers["ETag"]
        else:  # its first site moved ~1 km north or south: every array of the index that holds sites is spliced
            url = f"/v1/sites/{service.json()['sites'][0]}"
            site = await client.get(url, headers=admin)
            change = {"latitude": site.json()["latitude"] + (0.009 if n % 2 else -0.009)}
            etag = site.headers["ETag"]
        edited = await client.patch(url, json=change, headers={**admin, "If-Match": etag})
        assert edited.status_code == 200, edited.text
        done, last_old, in_a_row = time.perf_counter(), 0.0, 0
    while in_a_row < IN_A_ROW:
        async with httpx.AsyncClient(base_url=base, timeout=60) as fresh:  # a new connection: either worker
            version = (await fresh.post("/v1/match", json=body, headers=auth)).json()["directory_version"]
        if version == before:
            last_old, in_a_row = time.perf_counter() - done, 0
        else:
            in_a_row += 1
    return last_old


async def run(directory, edits: int, kind: str = "rename") -> tuple[list[float], list[float]]:
    with Server(directory, workers=2, threads=8, REFERRAL_RATELIMIT_ENABLED="false") as server:
        return await measure(server.base, directory, edits, kind)


async def measure(base: str, directory, edits: int, kind: str = "rename") -> tuple[list[float], list[float]]:
    """On a running server: ``edits`` edits' time to visible in every worker, and the load's match times."""
    auth = {"Authorization": f"Bearer {directory.admin_key}"}
    page = httpx.get(base + "/v1/services", headers=auth, timeout=60).json()
    service_id = page["items"][0]["id"]
    stop, slowest = asyncio.Event(), []
    load = [asyncio.create_task(background(base, directory, stop, slowest)) for _ in range(2)]
    visible = [await one_edit(base, directory, service_id, n, kind) for n in range(edits)]
    stop.set()
    await asyncio.gather(*load)
    return visible, slowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument(
        "--edit", choices=("rename", "move"), default="rename", help="rename a service or move its site"
    )
    args = parser.parse_args()
    lines, worst_at = [], {}
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            directory = prepare(Path(folder), size)
            visible, slowest = asyncio.run(run(directory, args.edits, args.edit))
        p50, worst = float(np.median(visible)), max(visible)
        worst_at[size] = worst
        p99 = float(np.percentile(slowest, 99)) * 1000
        lines.append(f"{size:>9} {args.edits:>6} {p50:>13.2f} {worst:>13.2f} {p99:>13.0f} {max(slowest) * 1000:>17.0f}")
        print(lines[-1], flush=True)
    head = f"{'services':>9} {'edits':>6} {'visible p50 s':>13} {'visible max s':>13} {'match p99 ms':>13} {'slowest match ms':>17}"
    print(
        f"\nEdit ({args.edit}) to visible in both of 2 workers, under a match load (target: <= 1 s at 100k):\n{head}\n"
        + "-" * len(head)
        + "\n"
        + "\n".join(lines)
    )
    print("\nIssue 16's target:")
    print(verdict("edit visible in every worker at 100,000 services", worst_at.get(100_000, float("nan")), 1.0, "s"))


if __name__ == "__main__":
    main()
