"""A child at risk is never a 422: a match request that reveals a risk is answered with what of it
could be used — urgent section first, every unusable part named in ``problems`` — and the same
request without a risk keeps its 422 (referral/match_rescue.py, matchmaking.run_anyway)."""

from __future__ import annotations

import logging

from sqlalchemy import select

from referral.db import Base, get_db
from tests.api.test_match_safety import seed_demo

SUICIDE = [{"text": "她说不想活了"}]


def _post(client, headers, body, language="en"):
    response = client.post("/v1/match", json=body, headers={**headers, "Accept-Language": language})
    return response.status_code, response.get_json()


def test_a_place_nobody_can_find_still_gets_the_regions_lines_and_names_the_place_as_unused(
    app, client, worker_headers
):
    seed_demo(app)
    status, body = _post(
        client, worker_headers, {"location": {"place": "不存在的地方"}, "child": {"age": 12}, "needs": SUICIDE}
    )
    assert status == 200
    assert list(body)[:2] == ["urgent", "problems"]
    assert body["problems"] == [
        {"field": "location.place", "detail": "no place matches well enough; the closest are listed"}
    ]
    assert body["urgent"]["risks"] == [
        {"code": "self_harm", "label": "Self-harm and suicide risk", "need": "mental_health.crisis"}
    ]
    assert [h["number"] for h in body["urgent"]["hotlines"]] == ["110", "120", "12355", "12356"]
    assert body["urgent"]["services"] == [] and body["results"] == [] and body["location"] is None
    assert [(n["code"], n["severity"], n["risk"]) for n in body["needs"]] == [("mental_health.crisis", 3, "self_harm")]


def test_no_location_at_all_is_answered_the_same_way(app, client, worker_headers):
    seed_demo(app)
    status, body = _post(client, worker_headers, {"child": {"age": 12}, "needs": SUICIDE})
    assert status == 200
    assert body["problems"] == [{"field": "location", "detail": "Missing data for required field."}]
    assert [h["number"] for h in body["urgent"]["hotlines"]] == ["110", "120", "12355", "12356"]


def test_an_age_that_cannot_be_read_offers_age_bounded_services_with_an_eligible_if_caveat(app, client, worker_headers):
    seed_demo(app)
    status, body = _post(
        client, worker_headers, {"location": {"place": "平江街道"}, "child": {"age": "twelve"}, "needs": SUICIDE}
    )
    assert status == 200
    assert body["problems"] == [{"field": "child.age", "detail": "Not a valid number."}]
    assert body["location"]["place"]["code"] == "320508001"
    assert body["urgent"]["services"] and body["results"]
    first = body["results"][0]
    low, high = first["service"]["minimum_age"], first["service"]["maximum_age"]
    assert f"Eligible if: ages {low:g}–{high:g} only (not given for this child)." in first["caveats"]
    assert "mental_health.crisis" in first["needs_met"]


def test_an_unknown_need_code_is_dropped_and_the_risk_in_the_notes_answered(app, client, worker_headers):
    seed_demo(app)
    status, body = _post(
        client,
        worker_headers,
        {
            "location": {"place": "平江街道"},
            "child": {"age": 9},
            "needs": [{"code": "no.such.code"}],
            "notes": "爸爸经常打她，身上有伤",
        },
    )
    assert status == 200
    assert body["problems"] == [{"field": "needs[0].code", "detail": "unknown need code 'no.such.code'"}]
    assert [n["code"] for n in body["needs"]] == ["protection.abuse"]
    assert body["urgent"]["risks"][0]["code"] == "physical_abuse" and body["results"]


def test_several_malformed_parts_are_all_named_and_the_rest_is_used(app, client, worker_headers):
    seed_demo(app)
    status, body = _post(
        client,
        worker_headers,
        {
            "location": {"place": "平江街道"},
            "child": {"age": 9, "gender": "?!"},
            "limit": 500,
            "colour": "blue",
            "needs": [
                {"text": "she is being hit by her stepfather"},
                {"code": "education.learning_support", "severity": 9},
            ],
            "assessment": {"nonexistent_scale": "high"},
        },
    )
    assert status == 200
    assert sorted(p["field"] for p in body["problems"]) == [
        "assessment.nonexistent_scale",
        "child.gender",
        "colour",
        "limit",
        "needs[1].severity",
    ]
    assert [n["code"] for n in body["needs"]] == ["protection.abuse"]


def test_the_same_broken_request_without_a_risk_is_a_422(app, client, worker_headers):
    seed_demo(app)
    status, body = _post(
        client,
        worker_headers,
        {
            "location": {"place": "不存在的地方"},
            "child": {"age": 12},
            "needs": [{"text": "孩子没有自杀念头，也没被打"}],
        },
    )
    assert status == 422 and [e["field"] for e in body["errors"]] == ["location.place"]
    status, body = _post(
        client,
        worker_headers,
        {
            "location": {"place": "平江街道"},
            "child": {"age": "twelve"},
            "needs": [{"code": "education.learning_support"}],
        },
    )
    assert status == 422 and [e["field"] for e in body["errors"]] == ["child.age"]


def test_an_answer_given_anyway_logs_and_stores_nothing_of_the_child(app, client, worker_headers, caplog):
    seed_demo(app)
    sentinel = "SENTINEL-7f3a"
    with caplog.at_level(logging.DEBUG):
        status, body = _post(
            client,
            worker_headers,
            {
                "location": {"place": f"无处 {sentinel}"},
                "child": {"age": sentinel},
                "needs": [{"text": "想自杀"}],
                "notes": f"{sentinel} 被打",
            },
        )
    assert status == 200 and body["urgent"]
    assert sentinel not in caplog.text and "想自杀" not in caplog.text
    with app.app_context(), get_db().session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                assert sentinel not in str(tuple(row)), table.name
