"""The demo directory as a new user meets it: the done-when scenarios of the card and the ranking,
the graded referral cases (0 eligibility violations, every urgent case safe, nDCG@5 >= 0.9), and
answers that speak one language."""

from __future__ import annotations

import re

import pytest

from referral import snapshot
from referral.config import PROJECT_ROOT
from referral.db import get_db
from referral.matching.index import build_index
from referral.matching.settings import MatchSettings
from referral.seeding import load
from tests.quality import evaluate, load_cases

SEEDS = PROJECT_ROOT / "seeds"
CJK = re.compile(r"[\u3400-\u9fff]")
# fields that hold names (of listings, places, people, addresses) or the child's own words: any script
NAMES = {
    "name",
    "address",
    "matched",
    "school",
    "serves_area",
    "site",
    "organization",
    "id",
    "number",
    "email",
    "phone",
    "directory_version",
}


@pytest.fixture
def demo(app):
    with app.app_context(), get_db().session(write=True) as session:
        load(session, SEEDS / "needs.json", SEEDS / "regions" / "suzhou-zhenjiang")
    return app


def post(client, headers, language="en", **body):
    response = client.post("/v1/match", json=body, headers={**headers, "Accept-Language": language})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_girl_afraid_to_go_home_gets_protection_that_can_act_now_first_with_phone_and_hours(
    demo, client, worker_headers
):
    body = post(
        client,
        worker_headers,
        location={"place": "城厢镇"},
        child={"age": 11, "gender": "female"},
        needs=[{"code": "protection.abuse", "severity": 3}, {"code": "protection.domestic_violence", "severity": 3}],
    )
    first = body["results"][:3]
    assert all(r["service"]["capacity"] == "accepting" and not r["card"]["stale"] for r in first)
    assert all(set(r["needs_met"]) & {"protection.abuse", "protection.domestic_violence"} for r in first)
    for result in first:
        assert result["card"]["phones"] and (result["card"]["hours"] or result["card"]["always_open"])
        assert result["card"]["application_process"] and result["card"]["contacts"]
    assert any(r["card"]["always_open"] for r in first)  # someone answers tonight


def test_a_girl_asking_for_a_girls_group_gets_the_local_group_ahead_of_remote_or_out_of_town(
    demo, client, worker_headers
):
    body = post(
        client,
        worker_headers,
        location={"place": "城厢镇"},
        child={"age": 13, "gender": "female"},
        needs=[{"code": "health.adolescent", "severity": 2}],
    )
    first = body["results"][0]
    assert first["service"]["name"] == "Puberty and self-protection classes for girls"
    assert first["card"]["local"] is True and first["card"]["remote"] is False
    assert all(r["card"]["remote"] or r["card"]["local"] is False for r in body["results"][1:])


def walk(value, key=""):
    """Every (field, text) of a JSON answer outside the name fields."""
    if key in NAMES:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v, key)
    elif isinstance(value, str):
        yield key, value


def test_an_english_answer_on_the_demo_has_no_chinese_outside_names(demo, client, worker_headers):
    for case in load_cases()["cases"]:
        body = post(client, worker_headers, **case["request"])
        chinese = [(k, v) for k, v in walk(body) if CJK.search(v)]
        assert chinese == [], case["id"]


def test_a_chinese_answer_on_the_demo_has_no_english_words_outside_names_and_codes(demo, client, worker_headers):
    codes = {
        "code",
        "modes",
        "cost",
        "capacity",
        "intensity",
        "needs_met",
        "covers",
        "uncovered",
        "service_ids",
        "source",
        "reason",
        "purpose",
        "matched_by",
        "risk",
        "weekday",
        "delivered_languages",
        "language",
        "verified_at",
        "opens",
        "closes",
    }
    for case in load_cases()["cases"][:10]:
        body = post(client, worker_headers, "zh", **case["request"])
        # English words; upper-case acronyms of instruments (ADOS, ABA) are names
        english = [(k, v) for k, v in walk(body) if k not in codes and re.search(r"[a-z]{2,}", v)]
        assert english == [], case["id"]


def test_the_graded_cases_show_no_ineligible_service_and_keep_every_urgent_case_safe(demo):
    with demo.app_context(), get_db().session() as session:
        index = build_index(snapshot.load(session))
    cases = load_cases()
    assert len(cases["cases"]) >= 40
    found = evaluate(index, MatchSettings(), cases)
    assert found.violations == [] and found.unsafe == []
    assert found.urgent >= 8 and sum(found.ndcg) / len(found.ndcg) >= 0.9
    assert found.bundle_not_worse == found.bundles


def test_referral_match_prints_the_card_under_each_result(demo, runner):
    result = runner.invoke(
        args=[
            "match",
            "--place",
            "城厢镇",
            "--age",
            "11",
            "--gender",
            "female",
            "--need",
            "protection.abuse:3",
            "--language",
            "en",
            "--limit",
            "2",
        ]
    )
    assert result.exit_code == 0, result.output
    first = result.output.split("\n\n")[1].splitlines()
    assert first[0].startswith("1. Temporary guardianship and protection — Taicang Minor Protection Centre")
    assert "   phone: 0512-53708215 (emergency line); 0512-53508189 (main line)" in first
    assert "   hours: 24 h" in first and "   bring: Nothing: call first, paperwork later" in first
    assert "   ask for: 24-hour duty officer 0512-53708215 info@taicang-minor-protection.example.cn" in first
