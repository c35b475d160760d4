"""Quality of the ranking on graded referral cases: nDCG@5, eligibility violations, urgent-case top-3
safety and bundle quality, for the ranking as configured beside two baselines (the ranking before the
colleague rules, and distance alone).

Run: ``python bench/quality_bench.py`` (or ``make bench-quality``). Loads the demo directory into a
temporary SQLite database, reads it back as the matcher's snapshot, and runs tests/data/quality_cases.json
(see tests/quality.py for the measures). Prints a table; asserts nothing.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from referral import migrate, seeding, snapshot  # noqa: E402
from referral.app import create_app  # noqa: E402
from referral.db import get_db  # noqa: E402
from referral.matching.index import build_index  # noqa: E402
from referral.matching.settings import MatchSettings  # noqa: E402
from tests.quality import BEFORE, DISTANCE_ONLY, evaluate, load_cases  # noqa: E402

REGION = ROOT / "seeds" / "regions" / "suzhou-zhenjiang"


def demo_index(folder: Path):
    app = create_app({"ENV": "test", "DATABASE_URL": f"sqlite:///{folder / 'quality.db'}", "RATELIMIT_ENABLED": False})
    with app.app_context():
        migrate.upgrade(get_db().engine)
        with get_db().session(write=True) as session:
            seeding.load(session, ROOT / "seeds" / "needs.json", REGION)
        with get_db().session() as session:
            return build_index(snapshot.load(session))


def main() -> None:
    cases = load_cases()
    with tempfile.TemporaryDirectory() as folder:
        index = demo_index(Path(folder))
    rows = {
        "colleague rules (default)": evaluate(index, MatchSettings(), cases),
        "before: score only": evaluate(index, BEFORE, cases),
        "distance only": evaluate(index, DISTANCE_ONLY, cases),
    }
    graded = sum(1 for c in cases["cases"] if c["grades"])
    print(
        f"{len(cases['cases'])} cases ({graded} with graded services, "
        f"{sum(c['urgent'] for c in cases['cases'])} urgent) on {REGION.relative_to(ROOT)}\n"
    )
    columns = list(next(iter(rows.values())).row())
    print("| ranking | " + " | ".join(columns) + " |")
    print("|---|" + "---|" * len(columns))
    for name, found in rows.items():
        print(f"| {name} | " + " | ".join(found.row().values()) + " |")
    for name, found in rows.items():
        for line in found.violations + [f"unsafe: {c}" for c in found.unsafe]:
            print(f"  {name}: {line}")


if __name__ == "__main__":
    main()
