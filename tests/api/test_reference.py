"""The needs taxonomy, the gazetteer and the health check."""

from __future__ import annotations

from tests.builders import seed_mini


def test_the_needs_taxonomy_is_a_tree_in_taxonomy_order(app, client):
    seed_mini(app)
    tree = client.get("/v1/needs").get_json()["items"]
    assert [t["code"] for t in tree] == ["mental_health", "development", "family"]
    assert [c["code"] for c in tree[0]["children"]] == ["mental_health.counseling", "mental_health.crisis"]
    assert tree[0]["children"][0]["labels"] == {"en": "Counselling", "zh": "心理咨询"}


def test_needs_search_understands_chinese_english_and_typos(app, client):
    seed_mini(app)
    for query, code in [
        ("自闭症", "development.autism"),
        ("autsim", "development.autism"),
        ("parenting", "family.education_guidance"),
        ("心理辅导", "mental_health.counseling"),
        ("孩子需要心理辅导", "mental_health.counseling"),
    ]:  # a sentence, read by the text reader
        items = client.get("/v1/needs", query_string={"q": query}).get_json()["items"]
        assert items[0]["code"] == code, query
        assert 0 < items[0]["score"] <= 100


def test_places_search_finds_a_town_by_either_name_or_code(app, client):
    seed_mini(app)
    for query in ("东港镇", "Donggang", "T1"):
        assert client.get("/v1/places", query_string={"q": query}).get_json()["items"][0]["code"] == "T1"
    tree = client.get("/v1/places").get_json()["items"]
    assert [(p["code"], [c["code"] for c in p["children"]]) for p in tree] == [("C1", ["D1", "D2"])]


def test_health_reports_the_database_and_the_directory(app, client):
    empty = client.get("/v1/health").get_json()
    assert empty["status"] == "ok" and empty["database"] == "ok"
    assert empty["directory"] == {"loaded": False, "active_services": 0, "version": 0}
    seed_mini(app)
    loaded = client.get("/v1/health").get_json()
    assert loaded["directory"]["loaded"] is True and loaded["directory"]["active_services"] == 3
