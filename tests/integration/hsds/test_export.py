"""Exporting the directory as HSDS 3.0: valid against the official schemas, exact CSV columns, and
identical after a round trip through an empty database."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from referral import seeding
from referral.db import get_db
from referral.hsds import package
from referral.hsds.tabular import COLUMNS, TABLES
from tests.builders import seed_mini
from tests.integration.hsds.helpers import reference_only, run_import, schema_errors

ROOT = Path(__file__).resolve().parents[3]
SEEDS = ROOT / "seeds"


def _seed_demo(app) -> None:
    with app.app_context(), get_db().session(write=True) as session:
        seeding.load(session, SEEDS / "needs.json", SEEDS / "regions" / "suzhou-zhenjiang")


def _export(app, form: str, organization_id: str | None = None):
    zone = app.config["TIMEZONE"]  # as the CLI and the API export: times carry its offset
    with app.app_context(), get_db().session() as session:
        if form == "json":
            return package.to_json(session, organization_id, timezone=zone)
        return package.to_tables(session, organization_id, timezone=zone)


def test_the_seeded_directory_exports_valid_hsds(app) -> None:
    _seed_demo(app)
    organizations = json.loads(_export(app, "json"))
    assert len(organizations) == 105
    problems = [e for org in organizations for e in schema_errors("organization", org)]
    assert problems == []
    services = [s for org in organizations for s in org.get("services", [])]
    assert len(services) == 348 and schema_errors("service", services[0]) == []
    assert all(
        a["taxonomy_term"]["code"]
        for s in services
        for a in s["attributes"]
        if a["taxonomy_term"]["taxonomy"] == "referral needs"
    )


def test_every_csv_has_exactly_the_tabular_columns(app) -> None:
    seed_mini(app)
    files = _export(app, "csv")
    descriptor = json.loads(files.pop("datapackage.json"))
    assert {r["path"] for r in descriptor["resources"]} == set(files)
    for name, data in files.items():
        header = next(csv.reader(io.StringIO(data.decode("utf-8"))))
        assert tuple(header) == COLUMNS[TABLES[name]], name


def test_the_taxonomy_exports_codes_parents_and_open_eligibility(app) -> None:
    seed_mini(app)
    rows = list(csv.DictReader(io.StringIO(_export(app, "csv")["taxonomy_terms.csv"].decode("utf-8"))))
    by_code = {r["code"]: r for r in rows if r["code"] and r["language"] == "en"}
    counseling = by_code["mental_health.counseling"]
    assert counseling["name"] == "Counselling" and counseling["parent_id"] == by_code["mental_health"]["id"]
    assert counseling["description"] == "Counselling"  # other languages are terms of their own
    chinese = [
        r for r in rows if r["term_uri"] == "urn:referral:need:mental_health.counseling" and r["language"] == "zh"
    ]
    assert [(r["name"], r["parent_id"], r["code"]) for r in chinese] == [
        ("心理咨询", by_code["mental_health"]["id"], "")
    ]
    assert counseling["term_uri"] == "urn:referral:need:mental_health.counseling"
    assert {r["name"] for r in rows if r["taxonomy"] == "Open Eligibility"} >= {"counseling", "parenting education"}


@pytest.mark.parametrize("form", ["json", "csv"])
def test_a_round_trip_through_an_empty_database_is_identical(app, tmp_path, form) -> None:
    seed_mini(app)
    first = _export(app, form)
    if form == "json":
        (tmp_path / "export.json").write_bytes(first)
        path = tmp_path / "export.json"
    else:
        path = tmp_path / "package"
        path.mkdir()
        for name, data in first.items():
            (path / name).write_bytes(data)
    from tests.conftest import _wipe

    _wipe(app)
    reference_only(app, tmp_path)  # the same taxonomy and gazetteer, no listings
    report = run_import(app, path)
    assert report.ok, report.as_text()
    assert _export(app, form) == first


def test_one_organization_exports_alone_and_an_unknown_one_is_not_found(app) -> None:
    seed_mini(app)
    everything = json.loads(_export(app, "json"))
    one = json.loads(_export(app, "json", everything[0]["id"]))
    assert one == everything[:1]
    from referral.errors import NotFound

    with pytest.raises(NotFound):
        _export(app, "json", "no-such-org")


def test_exports_are_stable_byte_for_byte(app) -> None:
    seed_mini(app)
    assert _export(app, "json") == _export(app, "json")
    assert package.zipped(_export(app, "csv")) == package.zipped(_export(app, "csv"))


def test_the_export_flattener_gives_the_rows_the_import_reader_reads(app) -> None:
    from referral.hsds import flatten
    from referral.hsds.sources import JsonSource

    _seed_demo(app)
    with app.app_context(), get_db().session() as session:
        organizations = package.organizations(session, timezone=app.config["TIMEZONE"])
    source = JsonSource("export", organizations)
    read = {t: sorted((r.data for r in source.rows(t)), key=lambda r: str(r["id"])) for t in source.tables()}
    assert flatten.tables(organizations) == read
