"""HSDS export benchmark: a synthetic directory (the import benchmark's package, fixed seed) exported
as JSON and as the tabular package (zipped), streamed to files, beside the same export of a tenth of
it (the baseline: linear time means ten times the services take about ten times as long).

Each export runs in a process of its own, whose resident memory is sampled at each progress report
and at the end (the import's is not in it): bounded memory means the 100k export peaks about where
the 10k one does. Seconds are the export's
wall time and its CPU time (the machine is shared: compare CPU seconds and ratios); ``updates`` counts
the progress reports (done, total) the export made.

    .venv/bin/python bench/export_bench.py [--services 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SERVICES_PER_ORGANIZATION = 4


def export_only(url: str, path: Path, form: str) -> None:
    """In the child process: export once, print seconds, CPU seconds and progress updates as JSON."""
    from referral.app import create_app
    from referral.db import get_db
    from referral.hsds import exchange

    app = create_app({"ENV": "test", "DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    updates: list[tuple[int, int]] = []
    peak = [_rss()]

    def progress(done: int, total: int) -> None:
        updates.append((done, total))
        peak.append(_rss())

    with app.app_context(), get_db().session() as session:
        started, cpu = time.perf_counter(), time.process_time()
        exchange.export_file(session, app.config, path, form, None, progress)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        json.dumps(
            {"seconds": seconds, "cpu": cpu, "updates": len(updates), "last": updates[-1], "rss": max(peak + [_rss()])}
        )
    )


def _rss() -> float:
    """This process's resident memory now, MiB (ru_maxrss would count the parent's, copied at fork)."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def export(url: str, folder: Path, form: str) -> dict:
    path = folder / f"export.{'json' if form == 'json' else 'zip'}"
    child = subprocess.run(
        [sys.executable, __file__, "--export", url, str(path), form], stdout=subprocess.PIPE, check=True
    )
    return {**json.loads(child.stdout), "form": form, "mib": path.stat().st_size / 2**20}


def run(base: Path, services: int) -> list[dict]:
    from import_bench import PER_ORGANIZATION, bulk, fresh_app, generate

    records = services // SERVICES_PER_ORGANIZATION * PER_ORGANIZATION
    generate(base / "package", records)
    app = fresh_app(base / "db")
    _, report = bulk(app, base / "package")
    count = report.counts["services"]
    return [{**export(app.config["DATABASE_URL"], base, form), "services": count} for form in ("json", "csv")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--export", nargs=3, metavar=("URL", "PATH", "FORM"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export:
        export_only(args.export[0], Path(args.export[1]), args.export[2])
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += run(Path(tmp) / "baseline", args.services // 10)
        rows += run(Path(tmp) / "full", args.services)
    print("HSDS export to a file, streamed (SQLite; synthetic directory, fixed seed; each export its own process)")
    print(
        f"{'format':<8}{'services':>10}{'seconds':>10}{'CPU s':>8}{'services/s':>12}{'MiB':>8}"
        f"{'RSS MiB':>9}{'updates':>9}"
    )
    for r in rows:
        print(
            f"{r['form']:<8}{r['services']:>10}{r['seconds']:>10.2f}{r['cpu']:>8.2f}"
            f"{r['services'] / r['seconds']:>12,.0f}{r['mib']:>8.1f}{r['rss']:>9,.0f}{r['updates']:>9}"
        )


if __name__ == "__main__":
    main()
