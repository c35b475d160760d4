"""A synthetic directory in a database and ``referral serve`` running on it, for the HTTP benchmarks.

``prepare(folder, services, url)`` migrates the database (a temporary SQLite file, or the PostgreSQL
URL given — a disposable one: it is emptied first), loads the demo taxonomy and gazetteer, imports a
synthetic HSDS package of about ``services`` services (bench/import_bench.py's generator: 4 per
organization, sites around 31.5 N 120.5 E) and makes a social worker's and an admin's key.
``Server`` starts ``referral serve`` (its default worker model unless told) on a free loopback port
and waits until a worker answers.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import import_bench  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from referral import accounts, geocoding  # noqa: E402
from referral.app import create_app  # noqa: E402
from referral.db import get_db, make_engine  # noqa: E402
from referral.hsds import importer, sources, writer  # noqa: E402
from referral.models import ServiceNeed  # noqa: E402
from referral.policy import CLI  # noqa: E402

BIN = Path(sys.executable).parent
TICK_S = 1 / os.sysconf("SC_CLK_TCK")  # the unit of /proc/PID/stat's CPU times


@dataclass
class Directory:
    url: str
    worker_key: str
    admin_key: str
    codes: list[str]  # need codes some service meets
    services: int
    import_s: float
    records: int = 0  # HSDS rows imported (every table)


def prepare(folder: Path, services: int, url: str | None = None) -> Directory:
    """A database holding a synthetic directory of about ``services`` services, and two keys."""
    url = url or f"sqlite:///{folder / 'bench.db'}"
    if url.startswith("postgresql"):
        _empty(url)
    app = import_bench.fresh_app_at(folder, url)
    records = import_bench.generate(folder / "package", services * import_bench.PER_ORGANIZATION // 4)
    with app.app_context(), get_db().session(write=True) as session:
        started = time.perf_counter()
        report = importer.run(
            session, sources.open_path(folder / "package"), lambda: geocoding.GazetteerGeocoder(writer.places(session))
        )
        seconds = time.perf_counter() - started
        assert report.written, report.problems
        codes = sorted(set(session.scalars(select(ServiceNeed.need_code))))
        keys = []
        for role in ("social_worker", "admin"):
            account = accounts.create_account(session, CLI, {"name": f"bench {role}", "role": role})
            keys.append(accounts.issue_key(session, CLI, account.id)[1])
    return Directory(url, keys[0], keys[1], codes, services, seconds, records)


def reopen(folder: Path, url: str, services: int, import_s: float, records: int) -> Directory:
    """The directory an earlier ``prepare`` imported into ``url`` (its import figures as recorded
    then), with two new keys: serve it again without importing it again."""
    folder.mkdir(parents=True, exist_ok=True)
    app = create_app({"ENV": "test", "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    with app.app_context(), get_db().session(write=True) as session:
        codes = sorted(set(session.scalars(select(ServiceNeed.need_code))))
        keys = [
            accounts.issue_key(
                session, CLI, accounts.create_account(session, CLI, {"name": f"bench {role}", "role": role}).id
            )[1]
            for role in ("social_worker", "admin")
        ]
    return Directory(url, keys[0], keys[1], codes, services, import_s, records)


def _empty(url: str) -> None:
    """Drop everything in the disposable database's public schema (tables, and the functions and
    triggers the migrations made), so that the migrations run from the start."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def match_body(rng: random.Random, codes: list[str]) -> dict:
    """A request near the synthetic sites: 1-2 needs, a child of 4-15."""
    needs = [{"code": c, "severity": rng.randint(1, 3)} for c in rng.sample(codes, min(len(codes), rng.randint(1, 2)))]
    return {
        "location": {"lat": round(31 + rng.random(), 4), "lon": round(120 + rng.random(), 4)},
        "child": {"age": rng.randint(4, 15)},
        "needs": needs,
        "limit": 10,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``referral serve`` on a free loopback port, stopped on exit."""

    def __init__(
        self,
        directory: Directory,
        workers: int | None = None,
        threads: int | None = None,
        log: Path | None = None,
        **env: str,
    ):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "REFERRAL_DATABASE_URL": directory.url,
            "REFERRAL_LOG_LEVEL": "WARNING",
            "REFERRAL_RATELIMIT_PER_ADDRESS": "10000000 per minute",
            "REFERRAL_RATELIMIT_PER_KEY": "10000000 per minute",
            **env,
        }
        self.argv = [
            str(BIN / "referral"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            *(["--workers", str(workers)] if workers else []),
            *(["--threads", str(threads)] if threads else []),
        ]
        self.log = log  # the server's stderr goes here (else nowhere)

    def __enter__(self) -> Server:
        started = time.perf_counter()
        stderr = self.log.open("wb") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(self.argv, env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
        while True:
            try:
                if httpx.get(self.base + "/v1/health/live", timeout=600).status_code == 200:
                    break
            except httpx.TransportError:
                if self.process.poll() is not None:
                    raise SystemExit("referral serve exited") from None
                time.sleep(0.2)
        self._wait_until_workers_idle()
        self.start_s = time.perf_counter() - started
        return self

    def _wait_until_workers_idle(self) -> None:
        """Every worker builds its index before it accepts; the first answer comes from the first one
        ready. Wait until the workers' CPU time stops growing (all built), so no measured request
        lands on a worker still building."""

        before = self.cpu_ticks()
        while True:
            time.sleep(0.5)
            now = self.cpu_ticks()
            if now - before <= 5:  # clock ticks (1/100 s): at most 10 % of a core over the half second
                return
            before = now

    def cpu_ticks(self) -> int:
        """The CPU time the workers have used, user and system (Linux /proc), in clock ticks (``TICK_S``)."""
        total = 0
        for pid in self._children():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total

    def _children(self) -> list[int]:
        return [
            int(pid) for pid in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        ]

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each gunicorn worker (Linux /proc), in MB."""
        return [_rss_mb(pid) for pid in self._children()]

    def __exit__(self, *_exc: object) -> None:
        self.process.terminate()
        self.process.wait(30)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")
