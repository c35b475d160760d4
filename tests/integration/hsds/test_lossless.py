"""Lossless exchange: the demo directory exported as HSDS 3.0 and imported into a fresh instance (the
taxonomy init-db loads, no gazetteer, no listings) is the same directory, row for row and field by
field, answers the same match requests the same way, and exports the same bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from referral import reference_data, seeding
from referral.config import PROJECT_ROOT
from referral.db import get_db
from referral.hsds import package
from referral.models import Organization, Place, Service, ServiceArea, ServiceAtLocation, ServiceNeed, Site
from tests.integration.hsds.helpers import run_import

SEEDS = PROJECT_ROOT / "seeds"
# kept by HSDS only where the standard has them; bookkeeping of this instance otherwise
NOT_EXCHANGED = {"created_at", "version"}
NOT_EXCHANGED_BY = {Organization: {"updated_at", "status"}, Site: {"updated_at", "status"}}
SAMPLE = 12  # match requests of the graded cases, the first ones (they cover every kind of need)


def _init_db(app: Any) -> None:
    with app.app_context(), get_db().session(write=True) as session:
        reference_data.ensure_taxonomy(session, PROJECT_ROOT / app.config["SEED_TAXONOMY"])


def _rows(app: Any) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every exchanged row of the directory, by table and key, without this instance's bookkeeping."""
    found: dict[str, dict[Any, dict[str, Any]]] = {}
    with app.app_context(), get_db().session() as session:
        for model in (Organization, Site, Service, ServiceAtLocation):
            skip = NOT_EXCHANGED | NOT_EXCHANGED_BY.get(model, set())
            found[model.__tablename__] = {
                row.id: {c.name: getattr(row, c.name) for c in model.__table__.columns if c.name not in skip}
                for row in session.scalars(select(model))
            }
        found["service_needs"] = {(r.service_id, r.need_code): {} for r in session.scalars(select(ServiceNeed))}
        found["service_areas"] = {(r.service_id, r.place_code): {} for r in session.scalars(select(ServiceArea))}
        used = {p for _, p in found["service_areas"]} | {s["place_code"] for s in found["sites"].values()}
        places = {p.code: p for p in session.scalars(select(Place))}
        found["places used"] = {}
        for code in used - {None}:
            while code:
                p = places[code]
                found["places used"][code] = {
                    "parent": p.parent_code,
                    "kind": p.kind,
                    "name": p.name,
                    "names": p.names,
                    "lat": p.latitude,
                    "lon": p.longitude,
                    "address": p.address,
                }
                code = p.parent_code
    return found


def _answers(client: Any, headers: dict[str, str]) -> list[Any]:
    cases = json.loads((PROJECT_ROOT / "tests" / "data" / "quality_cases.json").read_text(encoding="utf-8"))
    answers = []
    for case in cases["cases"][:SAMPLE]:
        response = client.post("/v1/match", json=case["request"], headers=headers)
        body = response.get_json()
        answers.append((case["id"], response.status_code, body.get("results"), body.get("unmet")))
    return answers


def _export(session: Any, app: Any, form: str) -> Any:
    """The export as the CLI and the API make it: times carry the directory's TIMEZONE offset."""
    zone = app.config["TIMEZONE"]
    return package.to_json(session, timezone=zone) if form == "json" else package.to_tables(session, timezone=zone)


@pytest.mark.parametrize("form", ["json", "csv"])
def test_the_demo_exported_and_imported_into_a_fresh_instance_is_the_same_directory(
    app, client, make_key, tmp_path: Path, form: str
) -> None:
    _init_db(app)
    with app.app_context(), get_db().session(write=True) as session:
        seeding.load_region(session, SEEDS / "regions" / "suzhou-zhenjiang")
    with app.app_context(), get_db().session() as session:
        first = _export(session, app, form)
    before, answers = _rows(app), _answers(client, make_key("social_worker"))
    if form == "json":
        path = tmp_path / "directory.json"
        path.write_bytes(first)
    else:
        path = tmp_path / "package"
        path.mkdir()
        for name, data in first.items():
            (path / name).write_bytes(data)
    from tests.conftest import _wipe

    _wipe(app)
    _init_db(app)
    report = run_import(app, path)
    assert report.ok, report.as_text()[:3000]
    after = _rows(app)
    for table, rows in before.items():
        assert set(after[table]) == set(rows), table
        differences = [
            (table, key, field, value, after[table][key].get(field))
            for key, row in rows.items()
            for field, value in row.items()
            if after[table][key].get(field) != value
        ]
        assert differences[:5] == [], (
            f"{len(differences)} differences in {table}: {sorted({d[2] for d in differences})}"
        )
    assert _answers(client, make_key("social_worker")) == answers  # the wipe took the first key
    with app.app_context(), get_db().session() as session:
        again = _export(session, app, form)
    assert again == first
