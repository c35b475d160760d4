"""A new user's first day: ``init-db``, ``import-hsds`` of a directory we did not write, then a match.

Through the public surface only (CLI runner, API client), on three inputs: the official HSDS examples,
an invented city (Luoyang) with its own taxonomy, services delivered in zh, girls-, boys- and
veterans-only services (eligibility attributes) and a description to read; and a US 211-style
English directory with AIRS-like terms. The done-when of issue 9, asserted.
"""

from __future__ import annotations

import json

from tests.builders import FIXTURES
from tests.integration.hsds.helpers import official

LUOYANG = FIXTURES / "hsds" / "luoyang" / "organizations.json"
SPRINGFIELD = FIXTURES / "hsds" / "springfield-211" / "organizations.json"
JIANXI = {"lat": 34.660, "lon": 112.395}
COUNSELLING = [{"code": "mental_health.counseling", "severity": 2}]


def first_day(runner, path) -> dict:
    """init-db then import-hsds --json; the report."""
    init = runner.invoke(args=["init-db"])
    assert init.exit_code == 0 and "needs taxonomy loaded" in init.output, init.output
    imported = runner.invoke(args=["import-hsds", str(path), "--json"])
    assert imported.exit_code == 0, imported.output
    return json.loads(imported.output)


def names(client, headers, **body) -> list[str]:
    body = {"location": JIANXI, "child": {"age": 10}, "needs": COUNSELLING, "limit": 20, **body}
    response = client.post("/v1/match", json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [r["service"]["name"] for r in response.get_json()["results"]]


def results(client, headers, **body) -> dict[str, dict]:
    body = {"location": JIANXI, "child": {"age": 10}, "needs": COUNSELLING, "limit": 20, **body}
    return {r["service"]["name"]: r for r in client.post("/v1/match", json=body, headers=headers).get_json()["results"]}


def test_a_match_without_the_childs_languages_returns_the_zh_services(app, runner, client, worker_headers):
    first_day(runner, LUOYANG)
    found = names(client, worker_headers)
    assert {"青少年心理咨询室", "女童心理成长小组", "男童心理成长小组"} <= set(found)


def test_a_boy_never_gets_the_girls_only_service(app, runner, client, worker_headers):
    first_day(runner, LUOYANG)
    found = names(client, worker_headers, child={"age": 10, "gender": "male"})
    assert "女童心理成长小组" not in found and "男童心理成长小组" in found


def test_a_girl_whose_gender_is_not_given_sees_the_girls_only_service_with_its_caveat(
    app, runner, client, worker_headers
):
    first_day(runner, LUOYANG)
    found = results(client, {**worker_headers, "Accept-Language": "zh"})
    assert "符合条件方可：仅限女童（未提供该儿童的相关信息）。" in found["女童心理成长小组"]["caveats"]
    assert found["女童心理成长小组"]["score"] < found["青少年心理咨询室"]["score"]


def test_the_veterans_only_service_is_a_restriction_not_a_need(app, runner, client, worker_headers):
    report = first_day(runner, LUOYANG)
    assert not any(m["term"].startswith("仅限") for m in report["taxonomy"]["mappings"])
    given = names(client, worker_headers, child={"age": 10, "groups": ["migrant"]})
    assert "退役军人子女关爱行动" not in given
    unknown = results(client, worker_headers)
    assert (
        "Eligible if: from a veteran's family (not given for this child)." in unknown["退役军人子女关爱行动"]["caveats"]
    )


def test_the_report_lists_what_was_read_from_the_eligibility_description(app, runner):
    report = first_day(runner, LUOYANG)
    inferred = [(i["name"], i["inferred"]) for i in report["inferences"]]
    assert inferred == [
        ("亲子共读会", "target groups ['migrant']"),
        ("亲子共读会", "minimum_age 6"),
        ("亲子共读会", "maximum_age 12"),
    ]


def test_the_citys_own_terms_and_places_come_with_it(app, runner, client, worker_headers):
    report = first_day(runner, LUOYANG)
    assert [p["name"] for p in report["places_added"]] == ["洛阳市", "伊川县"]  # by addresses; by its extent
    added = {t["term"]: t["code"] for t in report["taxonomy"]["new_terms"]}
    assert set(added) == {"亲子共读指导", "退役军人子女关爱"}  # unmapped, and beside a fuzzy guess
    assert "亲子共读会" in names(client, worker_headers, needs=[{"text": "亲子共读指导", "severity": 2}])
    searched = client.get("/v1/needs?q=亲子共读", headers=worker_headers).get_json()
    assert added["亲子共读指导"] in json.dumps(searched, ensure_ascii=False)


def test_an_english_request_for_a_food_pantry_returns_the_pantry(app, runner, client, worker_headers):
    report = first_day(runner, SPRINGFIELD)
    assert report["not_matchable"] == []
    here = {"lat": 39.80, "lon": -89.64}
    for text, service in [
        ("food pantry", "Eastside Food Pantry"),
        ("job training", "WorkReady Job Training"),
        ("utility assistance", "Utility Help Fund"),
        ("homeless shelter", "Harbor Light Family Shelter"),
    ]:
        found = names(client, worker_headers, location=here, child={"age": 17}, needs=[{"text": text, "severity": 2}])
        assert service in found, (text, found)


def test_the_official_examples_import_and_their_service_matches(app, runner, client, worker_headers, tmp_path):
    example = json.loads((official() / "examples" / "organization_full.json").read_text(encoding="utf-8"))
    for location in example["locations"] + [
        s["location"] for v in example["services"] for s in v.get("service_at_locations", []) if "location" in s
    ]:
        location["latitude"], location["longitude"] = 51.5, -0.12  # the example's (100, 101) are impossible
    path = tmp_path / "organization_full.json"
    path.write_text(json.dumps(example), encoding="utf-8")
    assert runner.invoke(args=["init-db"]).exit_code == 0
    # as published, its one attribute links a placeholder entity ("link_entity"): the service would
    # never be offered, and the import says so with exit status 3
    loud = runner.invoke(args=["import-hsds", str(path)])
    assert loud.exit_code == 3 and "WARNING: 1 service(s) match no need" in loud.output
    for attribute in example["services"][0]["attributes"]:
        attribute["link_entity"] = "service"
    path.write_text(json.dumps(example), encoding="utf-8")
    imported = runner.invoke(args=["import-hsds", str(path), "--json"])
    assert imported.exit_code == 0, imported.output
    report = json.loads(imported.output)
    (added,) = report["taxonomy"]["unmapped"]  # the example's one term, "name", is nobody's need: now ours
    body = {
        "location": {"lat": 51.5, "lon": -0.12},
        "child": {"age": 14},
        "needs": [{"code": added["added_as"], "severity": 2}],
    }
    found = client.post("/v1/match", json=body, headers=worker_headers).get_json()["results"]
    assert [r["service"]["name"] for r in found] == ["Community Counselling"]
