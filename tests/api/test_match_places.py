"""Where the child is, through the API: the evidence for a typed place, guesses with a caveat,
ambiguity as a 422 with candidates, and /v1/places?q= answering from the same resolver."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from referral.config import PROJECT_ROOT
from referral.db import get_db
from referral.models import Place
from referral.seeding import load

SEEDS = PROJECT_ROOT / "seeds"


@pytest.fixture
def region(app):
    with app.app_context(), get_db().session(write=True) as session:
        load(session, SEEDS / "needs.json", SEEDS / "regions" / "suzhou-zhenjiang")
    return app


def match(client, headers, location, language="en"):
    body = {"location": location, "child": {"age": 9}, "needs": [{"code": "development.autism"}]}
    return client.post("/v1/match", json=body, headers={**headers, "Accept-Language": language})


def test_aliases_are_seeded_and_read_back(region):
    with region.app_context(), get_db().session() as session:
        assert session.get(Place, "320585401").aliases == ["港区", "太仓港", "太仓港区", "Taicang Port"]
        assert session.scalar(select(Place.aliases).where(Place.code == "320508")) == []


def test_pingjiang_is_the_suzhou_subdistrict_with_its_evidence(region, client, worker_headers):
    response = match(client, worker_headers, {"place": "Pingjiang"})
    assert response.status_code == 200
    assert response.get_json()["location"] == {
        "lat": 31.321,
        "lon": 120.63,
        "matched_by": "name",
        "confidence": 0.9,
        "matched": "Pingjiang Subdistrict",
        "place": {"code": "320508001", "name": "Pingjiang Subdistrict", "parent": "Gusu District"},
        "site": None,
        "caveat": None,
    }


def test_a_school_places_the_child_at_its_site(region, client, worker_headers):
    location = match(client, worker_headers, {"place": "太仓市实验小学"}, "zh").get_json()["location"]
    assert (location["lat"], location["lon"], location["matched_by"]) == (31.4544, 121.1158, "site")
    assert location["site"]["name"] == "实验小学校园社工站" and location["place"]["name"] == "城厢镇"


def test_a_fuzzy_guess_answers_200_with_confidence_and_a_caveat(region, client, worker_headers):
    location = match(client, worker_headers, {"place": "pinjiang"}, "zh").get_json()["location"]
    assert (location["place"]["code"], location["matched_by"], location["confidence"]) == ("320508001", "fuzzy", 0.94)
    assert location["caveat"] == "地点根据相近的写法推测为：姑苏区平江街道（可信度94%）。请核实这是儿童的居住地。"


def test_an_ambiguous_place_is_a_422_with_candidates_best_first(region, client, worker_headers):
    response = match(client, worker_headers, {"place": "yushan"})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    error = response.get_json()["errors"][0]
    assert error["field"] == "location.place"
    assert [(c["code"], c["name"], c["parent"]) for c in error["candidates"]] == [
        ("320581001", "Yushan Subdistrict", "Changshu"),
        ("320583100", "Yushan Town", "Kunshan"),
    ]
    assert error["suggestions"] == ["320581001 Yushan Subdistrict (Changshu)", "320583100 Yushan Town (Kunshan)"]
    assert "yushan" not in response.get_data(as_text=True).replace("Yushan", "")  # the typed text is not echoed


def test_within_or_a_city_and_place_string_settles_it(region, client, worker_headers):
    by_within = match(client, worker_headers, {"place": "yushan", "within": "Kunshan"}).get_json()["location"]
    by_string = match(client, worker_headers, {"place": "常熟 虞山"}).get_json()["location"]
    assert (by_within["place"]["code"], by_string["place"]["code"]) == ("320583100", "320581001")


def test_within_without_a_place_is_a_schema_error(region, client, worker_headers):
    response = match(client, worker_headers, {"lat": 31.3, "lon": 120.6, "within": "苏州"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "location.within"


def test_coordinates_carry_no_place_evidence(region, client, worker_headers):
    location = match(client, worker_headers, {"lat": 31.321, "lon": 120.63}).get_json()["location"]
    assert location["place"]["code"] == "320508001"
    assert (location["matched_by"], location["confidence"], location["caveat"]) == (None, None, None)


def test_places_search_shows_pinyin_alias_and_site_hits(region, client):
    def first(q: str) -> tuple[str, str]:
        item = client.get("/v1/places", query_string={"q": q}).get_json()["items"][0]
        return item["code"], item["matched_by"]

    assert first("pingjiang jiedao") == ("320508001", "pinyin")
    assert first("港区") == ("320585401", "alias")
    assert first("太仓市实验小学") == ("320585100", "site")
    assert first("县府东街") == ("320585001", "address")
    item = client.get("/v1/places", query_string={"q": "港区"}).get_json()["items"][0]
    assert item["aliases"] == ["港区", "太仓港", "太仓港区", "Taicang Port"] and item["confidence"] == 1.0


def test_the_command_line_resolves_places_the_same_way(region, runner):
    done = runner.invoke(
        args=[
            "match",
            "--place",
            "yushan",
            "--within",
            "Kunshan",
            "--age",
            "9",
            "--need",
            "development.autism",
            "--language",
            "en",
        ]
    )
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[0] == "place: Yushan Town (Kunshan) [320583100] by name (0.90)"
    guessed = runner.invoke(
        args=["match", "--place", "pinjiang", "--age", "9", "--need", "development.autism", "--language", "en"]
    )
    assert guessed.output.splitlines()[1].startswith("   ! The place was guessed from a similar spelling")
    refused = runner.invoke(args=["match", "--place", "yushan", "--age", "9", "--need", "development.autism"])
    assert refused.exit_code == 2
    assert (
        "location.place: the name could be several places; choose one of these (did you mean: "
        "320581001 虞山街道 (常熟市), 320583100 玉山镇 (昆山市))" in refused.output
    )
