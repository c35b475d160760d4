"""Free text and search on the seeded demo region: what a social worker writes is what they get."""

from __future__ import annotations

from referral.config import PROJECT_ROOT
from referral.db import get_db
from referral.schemas.match import MatchResponse
from referral.seeding import load

SEEDS = PROJECT_ROOT / "seeds"


def seed_region(app) -> None:
    with app.app_context(), get_db().session(write=True) as session:
        load(session, SEEDS / "needs.json", SEEDS / "regions" / "suzhou-zhenjiang")


def test_everyday_sentences_are_read_unreadable_ones_reported_and_search_finds_what_is_meant(
    app, client, worker_headers
):
    seed_region(app)
    body = client.post(
        "/v1/match",
        json={
            "location": {"place": "城厢镇"},
            "child": {"age": 9},
            "needs": [
                {"text": "爸妈都去外省打工了，孩子跟外公外婆住"},
                {"text": "疑似自闭，叫名字不理人，说话晚", "severity": 3},
                {"text": "qqqq xxxx"},
            ],
        },
        headers={**worker_headers, "Accept-Language": "zh"},
    )
    assert body.status_code == 200
    out = body.get_json()
    MatchResponse().load(out)  # the documented shape, not-understood needs included
    read = [(n["code"], n["input"], n["understood"]) for n in out["needs"]]
    assert read == [
        ("integration.left_behind", 0, True),
        ("development.autism", 1, True),
        ("development.speech", 1, True),
        (None, 2, False),
    ]
    assert [(u["reason"], u["input"]) for u in out["unmet_needs"] if u["reason"] == "not_understood"] == [
        ("not_understood", 2)
    ]
    met = {code for r in out["results"] for code in r["needs_met"]}
    assert {"development.autism", "development.speech"} <= met

    notes = client.post(
        "/v1/match",
        json={
            "location": {"place": "城厢镇"},
            "child": {"age": 12},
            "needs": [{"text": "家里没人能辅导功课"}],
            "notes": "孩子在日记里写想结束生命。未发现被打的迹象。",
        },
        headers=worker_headers,
    ).get_json()
    assert [(n["code"], n["source"]) for n in notes["needs"]] == [
        ("mental_health.crisis", "risk"),
        ("education.learning_support", "text"),
    ]  # a risk first; the denied abuse is not read

    organizations = client.get("/v1/organizations?q=同心圆").get_json()["items"]
    assert organizations and all("同心圆" in o["name"] for o in organizations)
    services = client.get("/v1/services?q=自闭症&per_page=50").get_json()["items"]
    assert services and all(any(n.startswith("development.autism") for n in s["needs"]) for s in services)
    hsds = client.get("/hsds/services?search=自闭症&per_page=50").get_json()["contents"]
    assert {s["id"] for s in hsds} == {s["id"] for s in services}
