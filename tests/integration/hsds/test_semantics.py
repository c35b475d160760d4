"""HSDS semantics both ways: the card fields, restrictions kept by a round trip, the taxonomy as
reference data (init-db), and an import that would leave services unmatchable says so."""

from __future__ import annotations

import json

from sqlalchemy import select

from referral.db import get_db
from referral.models import NeedTerm, Place, ReferenceData, Service
from tests.conftest import ROOT
from tests.integration.hsds.helpers import FakeGeocoder, official, run_import
from tests.integration.hsds.test_new_directory import LUOYANG


def test_the_card_fields_of_the_official_example_are_imported_and_exported(app, runner, tmp_path):
    assert runner.invoke(args=["init-db"]).exit_code == 0
    report = run_import(
        app, official() / "examples" / "service_full.json", geocoder=FakeGeocoder({"MyCity": (51.5, -0.12)})
    )
    assert report.ok, report.as_text()
    with app.app_context(), get_db().session() as session:
        service = session.scalars(select(Service)).one()
        assert service.application_process.startswith("If you are an NHS patient")
        assert service.alerts == [
            {
                "text": "Following COVID-19 we have moved most of our counselling sessions "
                "online. Please contact the reception if you require further information."
            }
        ]
        assert service.wait_time == "wait_time" and service.required_documents[0]["document"].startswith("Any official")
        assert service.contacts == [
            {
                "title": "Reception Manager",
                "name": "Ann Persona",
                "phone": "+44 1234 234567",
                "email": "email@example.com",
                "department": "Reception",
            }
        ]
        assert service.phones == [{"number": "+44 1234 234567", "purpose": "main"}]
    for field in ("application_process", "required_document", "contact"):
        assert not any(key.startswith(field) for key in report.not_mapped), [
            k for k in report.not_mapped if k.startswith(field)
        ]
    out = tmp_path / "out.json"
    assert runner.invoke(args=["export-hsds", str(out)]).exit_code == 0
    exported = json.loads(out.read_text(encoding="utf-8"))
    svc = exported[0]["services"][0]
    assert (
        svc["application_process"].startswith("If you are an NHS patient")
        and svc["contacts"][0]["name"] == "Ann Persona"
    )


def test_restrictions_survive_hsds_to_us_to_hsds(app, runner, tmp_path):
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["import-hsds", str(LUOYANG)]).exit_code == 0
    out = tmp_path / "out.json"
    assert runner.invoke(args=["export-hsds", str(out)]).exit_code == 0
    before = _restrictions(app)
    with app.app_context(), get_db().session(write=True) as session:
        for service in session.scalars(select(Service)):
            service.genders, service.target_groups = [], []
        session.commit()
    again = runner.invoke(args=["import-hsds", str(out)])
    assert again.exit_code == 0, again.output
    assert _restrictions(app) == before
    assert before["女童心理成长小组"] == (["female"], []) and before["退役军人子女关爱行动"] == ([], ["veteran_family"])
    exported = json.loads(out.read_text(encoding="utf-8"))
    girls = next(s for s in exported[0]["services"] if s["name"] == "女童心理成长小组")
    assert [
        (a["link_type"], a["taxonomy_term"]["code"]) for a in girls["attributes"] if a["link_type"] == "eligibility"
    ] == [("eligibility", "gender.female")]


def _restrictions(app) -> dict:
    with app.app_context(), get_db().session() as session:
        return {s.name: (s.genders, s.target_groups) for s in session.scalars(select(Service))}


def test_init_db_loads_the_taxonomy_once_and_again_only_when_its_file_changes(app, runner, tmp_path):
    first = runner.invoke(args=["init-db"])
    assert "needs taxonomy loaded" in first.output
    assert "needs taxonomy already current" in runner.invoke(args=["init-db"]).output
    changed = tmp_path / "needs.json"
    terms = json.loads((ROOT / "seeds" / "needs.json").read_text(encoding="utf-8"))
    terms["terms"][0]["labels"]["en"] = "Mental health and wellbeing"
    terms["terms"][0]["reviewed_by"] = "a key the model has no column for"
    changed.write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
    assert "needs taxonomy loaded" in runner.invoke(args=["init-db", "--taxonomy", str(changed)]).output
    with app.app_context(), get_db().session() as session:
        assert session.get(NeedTerm, "mental_health").labels["en"] == "Mental health and wellbeing"
        assert session.get(NeedTerm, "oe.food.food_pantry").labels == {"en": "Food Pantry", "zh": "食物银行"}
        assert len(session.get(ReferenceData, "needs_taxonomy").version) == 64


def test_an_import_into_a_database_without_a_taxonomy_is_refused(app, runner):
    result = runner.invoke(args=["import-hsds", str(LUOYANG)])
    assert result.exit_code == 1 and "run `referral init-db` first" in result.output


def test_an_import_whose_services_map_to_no_need_exits_3_and_says_so(app, runner, tmp_path):
    assert runner.invoke(args=["init-db"]).exit_code == 0
    data = json.loads(LUOYANG.read_text(encoding="utf-8"))
    data[0]["services"][2]["attributes"] = []
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import-hsds", str(bare)])
    assert result.exit_code == 3
    assert "WARNING: 1 service(s) match no need and will never be offered" in result.output
    assert "青少年心理咨询室" in result.output


def test_seed_needs_a_taxonomy_first(app, runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code != 0 and "run `referral init-db` first" in result.output


def test_an_area_named_without_its_suffix_is_the_gazetteer_place_and_adds_none(app, tmp_path):
    from tests.integration.hsds.helpers import reference_only

    reference_only(app, tmp_path)
    data = json.loads(LUOYANG.read_text(encoding="utf-8"))
    for service in data[0]["services"]:
        service["service_areas"] = [{"id": service["id"][:-4] + "0a0a", "service_id": service["id"], "name": "河城"}]
    path = tmp_path / "river.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = run_import(app, path)
    assert report.ok and report.places_added == []
    with app.app_context(), get_db().session() as session:
        assert {tuple(s.area_places) for s in session.scalars(select(Service))} == {("C1",)}


def test_an_area_nothing_locates_is_kept_by_name_and_takes_effect_when_the_gazetteer_has_it(
    app, runner, client, worker_headers, tmp_path
):
    from referral import snapshot

    assert runner.invoke(args=["init-db"]).exit_code == 0
    data = json.loads(LUOYANG.read_text(encoding="utf-8"))
    girls = data[0]["services"][0]
    girls["service_areas"] = [{"id": girls["id"][:-4] + "0b0b", "service_id": girls["id"], "name": "老城区"}]
    path = tmp_path / "oldtown.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(args=["import-hsds", str(path)]).exit_code == 0
    with app.app_context(), get_db().session(write=True) as session:
        service = session.get(Service, girls["id"])
        assert (service.area_places, service.area_names) == ([], ["老城区"])
        session.add(
            Place(code="LC", parent_code=None, kind="district", name="老城", names={}, latitude=34.68, longitude=112.47)
        )
        session.commit()
        found = next(s for s in snapshot.load(session).services if s.id == girls["id"])
        assert found.area_places == frozenset({"LC"})
