"""POST /v1/match with the safety layer: the urgent section, the screening's grades, their errors,
and privacy of what a worker writes about a risk."""

from __future__ import annotations

import logging

from sqlalchemy import select

from referral.config import PROJECT_ROOT
from referral.db import Base, get_db
from referral.seeding import load
from tests.builders import FIXTURES, MINI

SEEDS = PROJECT_ROOT / "seeds"


def seed_demo(app) -> None:
    with app.app_context(), get_db().session(write=True) as session:
        load(session, SEEDS / "needs.json", SEEDS / "regions" / "suzhou-zhenjiang")


def homework(**overrides):
    body = {"location": {"place": "城厢镇"}, "child": {"age": 12}, "needs": [{"code": "education.learning_support"}]}
    return {**body, **overrides}


def test_a_suicide_risk_in_the_notes_opens_the_answer_with_lines_and_a_crisis_service(app, client, worker_headers):
    seed_demo(app)
    response = client.post(
        "/v1/match",
        json=homework(notes="孩子在日记里写想结束生命"),
        headers={**worker_headers, "Accept-Language": "zh"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["needs"][0] == {
        "code": "mental_health.crisis",
        "label": "心理危机干预",
        "severity": 3,
        "source": "risk",
        "matched": "日记里写想结束生命",
        "confidence": 1.0,
        "risk": "self_harm",
        "understood": True,
        "input": None,
        "suggestions": [],
    }
    urgent = body["urgent"]
    assert urgent["risks"] == [{"code": "self_harm", "label": "自伤与自杀风险", "need": "mental_health.crisis"}]
    assert [h["number"] for h in urgent["hotlines"]] == ["110", "120", "12355", "12356"]
    assert urgent["duties"] == []
    first = urgent["services"][0]
    assert first["needs_met"] == ["mental_health.crisis"] and first["service"]["capacity"] == "accepting"
    assert first["phone"] and first["distance_km"] == min(
        s["distance_km"] for s in urgent["services"] if s["distance_km"] is not None
    )
    assert "mental_health.crisis" in body["results"][0]["needs_met"]
    assert "mental_health.crisis" in {c for r in body["results"] for c in r["needs_met"]}


def test_sexual_abuse_in_the_notes_is_an_actionable_protection_need_with_the_reporting_duty(
    app, client, worker_headers
):
    seed_demo(app)
    body = client.post(
        "/v1/match", json=homework(notes="孩子被继父性侵"), headers={**worker_headers, "Accept-Language": "zh"}
    ).get_json()
    assert [(n["code"], n["severity"], n["risk"]) for n in body["needs"]][0] == ("protection.abuse", 3, "sexual_abuse")
    assert "protection.abuse" in {c for r in body["results"] for c in r["needs_met"]}
    duty = body["urgent"]["duties"][0]
    assert duty["name"] == "强制报告义务" and "强制报告制度" in duty["text"]
    assert "12345" in [h["number"] for h in body["urgent"]["hotlines"]]


def test_without_a_risk_there_is_no_urgent_section(app, client, worker_headers):
    seed_demo(app)
    body = client.post("/v1/match", json=homework(notes="没有自伤行为，作业跟不上"), headers=worker_headers).get_json()
    assert body["urgent"] is None
    assert [n["code"] for n in body["needs"]][0] == "education.learning_support"


def test_without_region_data_the_urgent_section_tells_the_worker_to_call_local_emergency_services(
    app, client, worker_headers
):
    with app.app_context(), get_db().session(write=True) as session:
        load(session, MINI / "needs.json", MINI, FIXTURES / "safety" / "risk.json")  # a lexicon, no region.json
    body = client.post(
        "/v1/match",
        json={
            "location": {"place": "T1"},
            "child": {"age": 9},
            "needs": [{"code": "mental_health.counseling"}],
            "notes": "He wants to die.",
        },
        headers={**worker_headers, "Accept-Language": "en"},
    ).get_json()
    urgent = body["urgent"]
    assert urgent["hotlines"] == [] and urgent["duties"] == []
    assert "call your local emergency services" in urgent["advice"]


def test_the_screenings_grades_are_needs_with_source_assessment(app, client, worker_headers):
    seed_demo(app)
    body = client.post(
        "/v1/match",
        json=homework(assessment={"guardianship": "high", "psychological": "none"}),
        headers={**worker_headers, "Accept-Language": "en"},
    ).get_json()
    assert [(n["code"], n["severity"], n["source"], n["matched"]) for n in body["needs"]] == [
        ("education.learning_support", 2, "code", None),
        ("protection.guardianship_risk", 3, "assessment", "guardianship=high"),
        ("protection.case_management", 2, "assessment", "guardianship=high"),
    ]
    assert body["urgent"] is None  # a grade is not a risk found in words


def test_an_unknown_assessment_scale_is_a_422_naming_the_field_and_the_allowed_scales(app, client, worker_headers):
    seed_demo(app)
    response = client.post("/v1/match", json=homework(assessment={"guardianshp": "high"}), headers=worker_headers)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    error = response.get_json()["errors"][0]
    assert error["field"] == "assessment.guardianshp"
    assert error["detail"] == "unknown assessment scale; allowed: behavioural, guardianship, psychological"
    assert error["suggestions"] == ["behavioural", "guardianship", "psychological"]


def test_an_unknown_grade_is_a_422_naming_the_scale(app, client, worker_headers):
    seed_demo(app)
    response = client.post("/v1/match", json=homework(assessment={"guardianship": "severe"}), headers=worker_headers)
    assert response.status_code == 422
    assert [(e["field"], e["detail"]) for e in response.get_json()["errors"]] == [
        ("assessment.guardianship", "must be one of none, low, medium, high")
    ]


def test_the_urgent_answer_follows_the_documented_schema(app, client, worker_headers):
    from referral.schemas.match import MatchResponse

    seed_demo(app)
    body = client.post(
        "/v1/match", json=homework(notes="被打了，不敢回家", assessment={"behavioural": "low"}), headers=worker_headers
    ).get_json()
    MatchResponse().load(body)  # raises on an undocumented or mistyped field
    assert {r["code"] for r in body["urgent"]["risks"]} == {"physical_abuse", "runaway"}


def test_a_risk_the_worker_writes_is_neither_logged_nor_stored(app, client, worker_headers, caplog):
    seed_demo(app)
    sentinel = "SENTINEL-b41c"
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            "/v1/match",
            json=homework(notes=f"孩子说不想活了 {sentinel}", needs=[{"text": f"被打了 {sentinel}"}]),
            headers=worker_headers,
        )
    assert response.status_code == 200 and response.get_json()["urgent"]
    assert sentinel not in response.get_data(as_text=True)
    assert sentinel not in caplog.text and "不想活了" not in caplog.text
    with app.app_context(), get_db().session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                assert sentinel not in str(tuple(row)), table.name


def test_the_command_line_prints_the_urgent_section_first(app, runner):
    seed_demo(app)
    result = runner.invoke(
        args=[
            "match",
            "--place",
            "城厢镇",
            "--age",
            "12",
            "--need",
            "education.learning_support",
            "--notes",
            "he wants to die",
            "--assessment",
            "guardianship=medium",
            "--language",
            "en",
        ]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "URGENT: Self-harm and suicide risk"
    assert any(line.startswith("  call 110 110 Police (24 h)") for line in lines)
    assert (
        "Guardianship risk [protection.guardianship_risk] severity 2 from assessment 'guardianship=medium'"
        in result.output
    )
    bad = runner.invoke(
        args=[
            "match",
            "--place",
            "城厢镇",
            "--age",
            "12",
            "--need",
            "education.learning_support",
            "--assessment",
            "guardianship",
        ]
    )
    assert bad.exit_code == 2 and "SCALE=GRADE" in bad.output
