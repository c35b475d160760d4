"""Every path and query parameter of the official HSDS 3.0 OpenAPI document answers with its meaning;
parameters it does not know never break a standard client."""

from __future__ import annotations

import json

import pytest

from referral.hsds import export
from tests.builders import seed_mini
from tests.integration.hsds.helpers import official


def _official_paths() -> dict[str, list[str]]:
    document = json.loads((official() / "schema" / "openapi.json").read_text(encoding="utf-8"))
    found = {}
    for path, methods in document["paths"].items():
        params = [p.get("$ref", "").split("/")[-1] or p.get("name") for p in methods["get"].get("parameters", [])]
        found[path] = params
    return found


def test_every_official_path_answers(app, client) -> None:
    seed_mini(app)
    services = client.get("/hsds/services").get_json()["contents"]
    sal = client.get("/hsds/service_at_locations").get_json()["contents"]
    orgs = client.get("/hsds/organizations").get_json()["contents"]
    term = client.get("/hsds/taxonomy_terms").get_json()["contents"][0]
    ids = {
        "services": services[0]["id"],
        "service_at_locations": sal[0]["id"],
        "organizations": orgs[0]["id"],
        "taxonomies": export.TAXONOMY_ID,
        "taxonomy_terms": term["id"],
    }
    for path in _official_paths():
        url = "/hsds" + path.replace("{id}", ids.get(path.strip("/").split("/")[0], ""))
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_json())


def test_every_official_parameter_is_taken_and_unknown_ones_are_ignored(app, client) -> None:
    seed_mini(app)
    values = {
        "search": "a",
        "page": "1",
        "per_page": "5",
        "format": "json",
        "taxonomy_term_id": "x",
        "taxonomy_id": export.TAXONOMY_ID,
        "organization_id": "x",
        "modified_after": "2020-01-01",
        "minimal": "true",
        "full": "true",
        "full_service": "true",
        "top_only": "true",
        "parent_id": "x",
        "postcode": "000000",
        "proximity": "1000",
    }
    org = client.get("/hsds/organizations").get_json()["contents"][0]["id"]
    for path, params in _official_paths().items():
        url = "/hsds" + path.replace("{id}", org)
        if "{id}" in path and not path.startswith("/organizations"):
            continue
        for name in params:
            response = client.get(url, query_string={name: values[name], "utm_source": "newsletter"})
            assert response.status_code in (200, 404) if "{id}" in path else response.status_code == 200, (
                url,
                name,
                response.get_json(),
            )


def test_minimal_full_and_ndjson(app, client) -> None:
    seed_mini(app)
    minimal = client.get("/hsds/services?minimal=true").get_json()["contents"]
    assert minimal and all(set(s) == {"id", "name", "status", "last_modified"} for s in minimal)
    full = client.get("/hsds/services?full=true").get_json()["contents"]
    assert all("attributes" in s and "organization" in s for s in full)
    streamed = client.get("/hsds/services?format=ndjson&per_page=1")
    assert streamed.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in streamed.get_data(as_text=True).splitlines()]
    assert [s["id"] for s in lines] == sorted(s["id"] for s in minimal)  # every result, no pages


@pytest.mark.parametrize("moment", ["2000-01-01", "2000-01-01T00:00:00Z", "2000-01-01T08:00:00+08:00"])
def test_modified_after_takes_dates_and_datetimes(app, client, moment) -> None:
    seed_mini(app)
    everything = client.get("/hsds/services").get_json()["total_items"]
    assert client.get("/hsds/services", query_string={"modified_after": moment}).get_json()["total_items"] == everything
    assert client.get("/hsds/services?modified_after=2999-01-01").get_json()["total_items"] == 0
    assert client.get("/hsds/services?modified_after=2000-01-01T00:00:00").status_code == 422  # no offset


def test_top_only_and_one_term_and_one_taxonomy(app, client) -> None:
    seed_mini(app)
    top = client.get(f"/hsds/taxonomy_terms?top_only=true&taxonomy_id={export.TAXONOMY_ID}").get_json()["contents"]
    assert top and all("parent_id" not in t for t in top)
    one = client.get(f"/hsds/taxonomy_terms/{top[0]['id']}").get_json()
    assert one["id"] == top[0]["id"]
    assert client.get(f"/hsds/taxonomies/{export.TAXONOMY_ID}").get_json()["name"] == "referral needs"
    assert client.get("/hsds/taxonomies/nope").status_code == 404


def test_a_need_in_another_language_is_a_term_of_its_own_that_finds_the_same_services(app, client) -> None:
    seed_mini(app)
    terms = client.get(f"/hsds/taxonomy_terms?taxonomy_id={export.TAXONOMY_ID}&per_page=100").get_json()["contents"]
    uri = "urn:referral:need:mental_health.counseling"  # the need's terms in every language share it
    en = next(t for t in terms if t.get("term_uri") == uri and t["language"] == "en")
    zh = next(t for t in terms if t.get("term_uri") == uri and t["language"] == "zh")
    assert (en["name"], en["description"], zh["name"]) == ("Counselling", "Counselling", "心理咨询")
    assert (en["code"], "code" in zh) == ("mental_health.counseling", False)  # codes are unique (official descriptor)
    found = [client.get(f"/hsds/services?taxonomy_term_id={t['id']}").get_json()["contents"] for t in (en, zh)]
    assert found[0] and [s["id"] for s in found[0]] == [s["id"] for s in found[1]]
