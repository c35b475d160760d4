"""Does the server hold? Starts ``referral serve`` (gunicorn as configured by the project) on a
temporary SQLite database and measures, from outside, what the issue-14 audit measured:

1. ``/v1/health/live`` latency while N idle client connections stay open (sync workers: blocked);
2. how many of M requests pass a per-address limit of L per minute (exact: L);
3. ``POST /v1/match`` latency while another connection holds SQLite's write lock.

Run: ``python bench/serve_bench.py [--idle 8] [--requests 1500] [--limit 600]``. Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PORT = 8799
MATCH = {"location": {"place": "城厢镇"}, "child": {"age": 9}, "needs": [{"code": "development.autism", "severity": 3}]}


def run(args: list[str], env: dict[str, str]) -> str:
    return subprocess.run(
        [str(BIN / "referral"), *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def wait_up() -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def get(path: str, method: str = "GET", body: dict | None = None, key: str | None = None) -> tuple[int, float]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status, (time.perf_counter() - started) * 1000


def idle_connections(count: int) -> None:
    idle = [socket.create_connection(("127.0.0.1", PORT)) for _ in range(count)]
    status, ms = get("/v1/health/live")
    print(f"{count} idle connections open: /v1/health/live {status} in {ms:.0f} ms")
    for sock in idle:
        sock.close()


def limit_exactness(requests: int, limit: int) -> None:
    time.sleep(61)  # the earlier requests' window expires: the first request below opens a fresh one
    started = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda _: get("/v1/needs")[0], range(requests)))
    seconds = time.perf_counter() - started
    print(
        f"{requests} requests against {limit} per minute, in {seconds:.0f} s: "
        f"{codes.count(200)} passed, {codes.count(429)} got 429"
    )


def match_under_lock(database: Path, key: str) -> None:
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE directory_state SET version = version + 1")
    status, ms = get("/v1/match", "POST", MATCH, key)
    holder.execute("ROLLBACK")
    holder.close()
    print(f"a writer holds SQLite's write lock: POST /v1/match {status} in {ms:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--idle", type=int, default=8)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--limit", type=int, default=600)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    env = {
        **os.environ,
        "REFERRAL_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "REFERRAL_RATELIMIT_PER_ADDRESS": f"{options.limit} per minute",
        "REFERRAL_RATELIMIT_PER_KEY": "100000 per minute",
    }
    run(["init-db"], env)
    run(["seed"], env)
    key = run(["create-key", "--role", "social_worker"], env).strip().splitlines()[-1]
    server = subprocess.Popen(
        [str(BIN / "referral"), "serve", "--port", str(PORT)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_up()
        get("/v1/match", "POST", MATCH, key)  # build the index
        idle_connections(options.idle)
        match_under_lock(folder / "bench.db", key)
        limit_exactness(options.requests, options.limit)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
