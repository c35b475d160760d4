"""HSDS export benchmark: a synthetic directory (the import benchmark's package, fixed seed) exported
as JSON and as the tabular package, streamed to files, beside the same export of a tenth of it (the
baseline: linear time means ten times the services take about ten times as long).

    .venv/bin/python bench/export_bench.py [--services 100000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_bench import PER_ORGANIZATION, bulk, fresh_app, generate  # noqa: E402

from referral.db import get_db  # noqa: E402
from referral.hsds import exchange  # noqa: E402

SERVICES_PER_ORGANIZATION = 4


def export(app, folder: Path, form: str) -> tuple[float, int]:  # noqa: ANN001
    path = folder / f"export.{'json' if form == 'json' else 'zip'}"
    with app.app_context(), get_db().session() as session:
        started = time.perf_counter()
        exchange.export_file(session, app.config, path, form, None)
        return time.perf_counter() - started, path.stat().st_size


def run(base: Path, services: int) -> list[tuple[str, int, float, int]]:
    records = services // SERVICES_PER_ORGANIZATION * PER_ORGANIZATION
    generate(base / "package", records)
    app = fresh_app(base / "db")
    _, report = bulk(app, base / "package")
    count = report.counts["services"]
    return [(form, count, *export(app, base, form)) for form in ("json", "csv")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=100_000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += run(Path(tmp) / "baseline", args.services // 10)
        rows += run(Path(tmp) / "full", args.services)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("HSDS export to a file, streamed (SQLite; synthetic directory, fixed seed)")
    print(f"{'format':<8}{'services':>10}{'seconds':>10}{'services/s':>12}{'MiB':>8}")
    for form, count, seconds, size in rows:
        print(f"{form:<8}{count:>10}{seconds:>10.2f}{count / seconds:>12,.0f}{size / 2**20:>8.1f}")
    print(f"peak RSS of the whole benchmark (imports included): {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
