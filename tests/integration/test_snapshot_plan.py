"""After a bulk import the planner has fresh statistics: the directory snapshot's service query is
never a nested loop over a whole table (PostgreSQL; run with REFERRAL_TEST_POSTGRES_URL)."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from referral import snapshot
from referral.db import get_db
from tests.integration.hsds.helpers import reference_only, run_import

BENCH = Path(__file__).resolve().parents[2] / "bench" / "import_bench.py"


def _generate(folder: Path, records: int) -> None:
    spec = importlib.util.spec_from_file_location("import_bench", BENCH)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    module.generate(folder, records)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def test_an_imported_directory_is_read_without_a_nested_loop_over_a_whole_table(app, backend, tmp_path):
    if backend != "postgresql":
        pytest.skip("planner statistics: PostgreSQL only")
    reference_only(app, tmp_path)
    _generate(tmp_path / "package", 20_000)
    assert run_import(app, tmp_path / "package").written
    with app.app_context(), get_db().session() as session:
        sql = str(snapshot.services_query().compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
        (plan,) = session.execute(text("EXPLAIN (FORMAT JSON) " + sql)).scalar()
        estimated = dict(
            session.execute(
                text(  # this test's schema only: others may hold tables of the same names
                    "SELECT relname, reltuples FROM pg_class WHERE relname IN ('services', 'organizations', 'service_needs') "
                    "AND relnamespace = to_regnamespace(current_schema())::oid"
                )
            ).all()
        )
    assert sorted(name for name, rows in estimated.items() if rows > 0) == [
        "organizations",
        "service_needs",
        "services",
    ]
    # -1 (never analysed) is what a worker's planner met after an import before the hook: a 58 s nested loop at 100k
    loops = [n for n in _nodes(plan["Plan"]) if n["Node Type"] == "Nested Loop"]
    assert not [n for n in loops if any(c["Node Type"] == "Seq Scan" for c in n.get("Plans", []))]
