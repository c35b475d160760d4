"""POST /v1/match through the app: the contract, its errors, freshness and privacy."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from referral.config import PROJECT_ROOT
from referral.db import Base, get_db
from referral.models import DirectoryState
from referral.seeding import load, stable_id
from tests.builders import change, seed_mini

AUTISM = stable_id("service", "east-autism")
PARENTING = stable_id("service", "west-parenting")
COUNSELLING = stable_id("service", "east-counselling")


def request(**overrides):
    body = {
        "location": {"place": "T1"},
        "child": {"age": 9, "groups": ["migrant"]},
        "needs": [{"code": "development.autism", "severity": 3}, {"text": "家庭教育指导"}],
    }
    return {**body, **overrides}


def test_a_match_ranks_eligible_services_explains_them_and_bundles_the_needs(app, client, worker_headers):
    seed_mini(app)
    response = client.post("/v1/match", json=request(), headers={**worker_headers, "Accept-Language": "en"})
    assert response.status_code == 200
    body = response.get_json()
    assert [r["service"]["id"] for r in body["results"]] == [AUTISM, PARENTING]
    first = body["results"][0]
    assert (first["rank"], first["needs_met"], first["distance_km"]) == (1, ["development.autism"], 0.2)
    assert first["site"]["name"] == "Donggang office" and first["organization"]["name"] == "East Care Centre"
    assert set(first["score_parts"]) == {"need_fit", "distance", "capacity", "intensity", "freshness", "outcomes"}
    assert "Meets Autism rehabilitation." in first["reasons"]
    assert any("aitlist" in c for c in first["caveats"])
    assert body["needs"][1] == {
        "code": "family.education_guidance",
        "label": "Family education guidance",
        "severity": 2,
        "source": "text",
        "matched": "家庭教育指导",
        "confidence": 1.0,
        "risk": None,
        "understood": True,
        "input": 1,
        "suggestions": [],
    }
    assert body["bundle"]["service_ids"] == [AUTISM, PARENTING] and body["bundle"]["uncovered"] == []
    assert body["location"] == {
        "lat": 31.31,
        "lon": 120.72,
        "matched_by": "code",
        "confidence": 1.0,
        "matched": "T1",
        "place": {"code": "T1", "name": "Donggang Town", "parent": "East District"},
        "site": None,
        "caveat": None,
    }
    assert response.headers["Content-Language"] == "en"


def test_labels_and_reasons_follow_accept_language(app, client, worker_headers):
    seed_mini(app)
    body = client.post(
        "/v1/match", json=request(), headers={**worker_headers, "Accept-Language": "zh-CN,zh;q=0.9"}
    ).get_json()
    assert body["language"] == "zh"
    assert body["needs"][0]["label"] == "孤独症康复"
    assert body["results"][0]["site"]["name"] == "东港办公室"


def test_a_child_outside_a_services_rules_never_gets_it(app, client, worker_headers):
    seed_mini(app)
    child = {"age": 9, "groups": ["left_behind"]}  # given, and not a migrant child
    body = client.post("/v1/match", json=request(child=child), headers=worker_headers).get_json()
    assert AUTISM not in [r["service"]["id"] for r in body["results"]]
    assert body["unmet_needs"][0]["code"] == "development.autism"
    assert body["unmet_needs"][0]["reason"] == "not_eligible"
    assert body["unmet_needs"][0]["detail"].endswith("is closed to this child: only for migrant children.")


def test_a_child_whose_groups_are_not_given_gets_a_group_service_with_its_caveat(app, client, worker_headers):
    seed_mini(app)
    body = client.post("/v1/match", json=request(child={"age": 9}), headers=worker_headers).get_json()
    (autism,) = [r for r in body["results"] if r["service"]["id"] == AUTISM]
    assert "Eligible if: a migrant child (not given for this child)." in autism["caveats"]


def test_a_small_radius_reports_the_unmet_need_with_the_nearest_option_beyond_it(app, client, worker_headers):
    seed_mini(app)
    body = client.post(
        "/v1/match",
        json=request(
            location={"place": "T2"},
            needs=[{"code": "development.autism", "severity": 3}],
            constraints={"max_distance_km": 1},
        ),
        headers=worker_headers,
    ).get_json()
    assert body["results"] == []
    unmet = body["unmet_needs"][0]
    assert (unmet["code"], unmet["reason"]) == ("development.autism", "too_far")
    assert unmet["nearest"]["service"]["id"] == AUTISM
    assert unmet["nearest"]["distance_km"] > 1


@pytest.mark.parametrize(
    "body, field",
    [
        (request(location={"place": "Atlantis"}), "location.place"),  # unknown place
        (request(needs=[{"code": "development.autsm"}]), "needs[0].code"),  # unknown code
        (request(needs=[]), "needs"),  # no needs at all
        (request(needs=[{"code": "family", "text": "x"}]), "needs[0].code"),  # both code and text
        (request(child={"age": 26}), "child.age"),  # out of range
        (request(child={}), "child.age"),  # missing
        (request(location={"lat": 31.3}), "location.lon"),  # half a coordinate
        (request(limit=51), "limit"),
        (request(notes="x" * 2001), "notes"),
        (request(constraints={"modes": ["teleport"]}), "constraints.modes[0]"),
        (request(constraints={"open_on": "someday"}), "constraints.open_on"),
    ],
)
def test_a_bad_request_is_a_422_naming_the_field(app, client, worker_headers, body, field):
    seed_mini(app)
    response = client.post("/v1/match", json=body, headers=worker_headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in [e["field"] for e in response.get_json()["errors"]]


def test_a_text_that_cannot_be_read_is_answered_not_refused_and_the_other_needs_are_matched(
    app, client, worker_headers
):
    seed_mini(app)
    body = request(needs=[{"text": "孩子有些问题"}, {"code": "development.autism", "severity": 3}])  # too vague to read
    response = client.post("/v1/match", json=body, headers={**worker_headers, "Accept-Language": "en"})
    assert response.status_code == 200
    out = response.get_json()
    assert [(n["code"], n["understood"], n["input"]) for n in out["needs"]] == [
        ("development.autism", True, 1),
        (None, False, 0),
    ]
    assert out["needs"][1]["suggestions"] == [{"code": "mental_health", "label": "Mental health"}]  # "情绪问题"
    assert [r["service"]["id"] for r in out["results"]] == [AUTISM]
    (unmet,) = out["unmet_needs"]
    assert (unmet["code"], unmet["reason"], unmet["input"]) == (None, "not_understood", 0)
    assert unmet["detail"].startswith("The text of need 1 could not be read as a need")
    assert "孩子" not in unmet["detail"] and "问题" not in unmet["detail"]  # never echoes the child's text


def test_one_text_may_hold_several_needs_each_with_its_words(app, client, worker_headers):
    seed_mini(app)
    body = request(needs=[{"text": "疑似自闭症，家长需要亲子教育", "severity": 3}])
    out = client.post("/v1/match", json=body, headers=worker_headers).get_json()
    assert [(n["code"], n["matched"], n["input"]) for n in out["needs"]] == [
        ("development.autism", "自闭症", 0),
        ("family.education_guidance", "亲子教育", 0),
    ]
    assert all(0.25 <= n["confidence"] <= 1 for n in out["needs"])


def test_an_unknown_code_is_answered_with_the_closest_codes(app, client, worker_headers):
    seed_mini(app)
    error = client.post(
        "/v1/match", json=request(needs=[{"code": "development.autsm"}]), headers=worker_headers
    ).get_json()["errors"][0]
    assert error["suggestions"][0] == "development.autism"


def test_an_edit_shows_in_match_results_at_the_next_check(app, client, worker_headers, admin_headers):
    seed_mini(app)
    before = client.post("/v1/match", json=request(), headers=worker_headers).get_json()
    assert (
        change(
            client, "PATCH", f"/v1/services/{AUTISM}", admin_headers, json={"capacity": "full", "wait_days": None}
        ).status_code
        == 200
    )
    after = client.post("/v1/match", json=request(), headers=worker_headers).get_json()
    assert AUTISM in [r["service"]["id"] for r in before["results"]]
    assert AUTISM not in [r["service"]["id"] for r in after["results"]]
    assert int(after["directory_version"]) == int(before["directory_version"]) + 1


def test_a_match_stores_and_logs_nothing_of_the_child(app, client, worker_headers, caplog):
    seed_mini(app)
    sentinel = "SENTINEL-7f3a9c"
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            "/v1/match",
            json=request(notes=f"孩子有自闭症 {sentinel}", needs=[{"text": f"家庭教育指导 {sentinel}"}]),
            headers=worker_headers,
        )
    assert response.status_code == 200
    assert sentinel not in response.get_data(as_text=True)
    assert sentinel not in caplog.text
    with app.app_context(), get_db().session() as session:
        assert session.scalar(select(DirectoryState.version)) == 1  # only the seeding wrote
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                assert sentinel not in str(tuple(row)), table.name


def test_the_demo_scenario_on_the_seeded_region(app, client, worker_headers):
    """A 9-year-old migrant child in 城厢镇 with autism (severity 3) and family education guidance."""
    seeds = PROJECT_ROOT / "seeds"
    with app.app_context(), get_db().session(write=True) as session:
        load(session, seeds / "needs.json", seeds / "regions" / "suzhou-zhenjiang")
    body = client.post(
        "/v1/match",
        json={
            "location": {"place": "城厢镇"},
            "child": {"age": 9, "groups": ["migrant"]},
            "needs": [{"code": "development.autism", "severity": 3}, {"text": "家庭教育指导"}],
        },
        headers=worker_headers,
    ).get_json()
    assert body["location"]["place"]["code"] == "320585100"
    assert len(body["results"]) >= 5
    met = {code for r in body["results"] for code in r["needs_met"]}
    assert {"development.autism", "family.education_guidance"} <= met
    assert body["bundle"]["uncovered"] == [] and body["unmet_needs"] == []
    # severity 3: services meeting autism that accept now and are fresh come first, in score order
    first = [
        r
        for r in body["results"]
        if "development.autism" in r["needs_met"] and r["service"]["capacity"] == "accepting" and not r["card"]["stale"]
    ]
    assert body["results"][: len(first)] == first and first
    assert [r["score"] for r in first] == sorted((r["score"] for r in first), reverse=True)
    tiny = client.post(
        "/v1/match",
        json={
            "location": {"place": "城厢镇"},
            "child": {"age": 9, "groups": ["migrant"]},
            "needs": [{"code": "development.autism", "severity": 3}],
            "constraints": {"max_distance_km": 0.1},
        },
        headers=worker_headers,
    ).get_json()
    assert tiny["unmet_needs"][0]["reason"] == "too_far" and tiny["unmet_needs"][0]["nearest"]


def test_the_response_follows_the_documented_schema(app, client, worker_headers):
    from referral.schemas.match import MatchResponse

    seed_mini(app)
    body = client.post("/v1/match", json=request(constraints={"max_distance_km": 5}), headers=worker_headers).get_json()
    MatchResponse().load(body)  # raises on an undocumented or mistyped field
    assert body["results"][0]["service"]["verified_at"] == "2026-03-01"


def test_notes_infer_the_needs_they_name_but_not_the_ones_they_deny(app, client, worker_headers):
    seed_mini(app)
    notes = "Assessment: no signs of autism. 家长需要家庭教育指导。"
    body = client.post(
        "/v1/match", json=request(needs=[{"code": "mental_health.counseling"}], notes=notes), headers=worker_headers
    ).get_json()
    assert [(n["code"], n["source"], n["severity"]) for n in body["needs"]] == [
        ("mental_health.counseling", "code", 2),
        ("family.education_guidance", "notes", 1),
    ]
