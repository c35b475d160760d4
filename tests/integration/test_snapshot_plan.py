"""After a bulk import the planner has fresh statistics: the directory snapshot's service query is
never a nested loop over a whole table (PostgreSQL; run with REFERRAL_TEST_POSTGRES_URL); and what a
worker reads for an edit looks its rows up by key (SQLite's plans)."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from referral import snapshot
from referral.db import get_db
from tests.builders import seed_mini
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


def test_an_edit_reads_its_services_by_key_never_walking_a_whole_table(app, backend):
    """What a worker reads for a delta (snapshot.changed_services) looks rows up by key: on SQLite a
    subquery once made it walk every active site through the status index (~0.1 s an edit at 1M sites)."""
    if backend != "sqlite":
        pytest.skip("SQLite's query plans (PostgreSQL's planner is checked above)")
    seed_mini(app)
    statements: list[tuple[str, Any]] = []
    with app.app_context(), get_db().session() as session:
        engine = session.get_bind()
        (service_id,) = session.execute(text("SELECT id FROM services ORDER BY id LIMIT 1")).one()

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", record)
        try:
            found = snapshot.changed_services(session, {service_id})
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert [s.id for s in found] == [service_id] and found[0].sites
        walks = []
        for statement, parameters in statements:
            for *_, detail in session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters):
                if detail.startswith(("SCAN services", "SCAN sites")) or "_status (status=?)" in detail:
                    walks.append((detail, statement[:80]))
    read = [" ".join(s.split()) for s, _ in statements]
    sites_or_services = [s for s in read if " FROM sites " in s or " FROM services " in s]
    assert len(sites_or_services) >= 3 and walks == []


def test_an_import_refreshes_the_statistics_of_the_tables_it_grows_as_they_double(app, backend, tmp_path, monkeypatch):
    """PostgreSQL prepares the batch lookups and keeps the plan it made for the tables as the import
    found them (a sequential scan per batch: hours at 1M): a table is analysed, inside the import's
    transaction, each time the rows written into it have doubled. SQLite needs none of it."""
    from referral.hsds import writer

    monkeypatch.setattr(writer, "ANALYZE_FROM", 400)
    reference_only(app, tmp_path)
    _generate(tmp_path / "package", 4_000)  # ~840 services, 420 sites
    analysed: list[tuple[str, int]] = []
    written = {"services": 0}
    upsert = writer.upsert

    def counted(session, table, rows):
        upsert(session, table, rows)
        written[table.name] = written.get(table.name, 0) + len(rows)

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("ANALYZE"):
            analysed.append((statement, written["services"]))

    monkeypatch.setattr(writer, "upsert", counted)
    with app.app_context():
        engine = get_db().engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            assert run_import(app, tmp_path / "package", batch_size=100).written
        finally:
            event.remove(engine, "before_cursor_execute", note)
    if backend != "postgresql":
        assert analysed == []  # SQLite: PRAGMA optimize at the end only
        return
    during = [(s, n) for s, n in analysed if s != "ANALYZE"]  # the final ANALYZE of every table
    assert [n for s, n in during if s == "ANALYZE services"] == [400, 800]
    assert {s for s, _ in during} == {  # not organizations: 210 of them, under 400
        "ANALYZE services",
        "ANALYZE service_needs",
        "ANALYZE sites",
        "ANALYZE service_at_location",
    }
    assert analysed[-1] == ("ANALYZE", written["services"])
