"""The OpenAPI document is valid OpenAPI 3.1, covers every route, and /docs renders it offline."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def test_the_openapi_document_is_valid_openapi_3_1(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_every_api_route_is_documented(app, client):
    spec = client.get("/openapi.json").get_json()
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops if method != "parameters"}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/v1"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)


def test_request_bodies_come_from_the_same_schemas_the_views_use(client):
    spec = client.get("/openapi.json").get_json()
    service = spec["components"]["schemas"]["Service"]
    assert set(service["required"]) == {"name", "organization_id", "needs", "modes"}
    assert service["properties"]["modes"]["items"]["enum"] == ["in_person", "home_visit", "school_based", "remote"]
    patch = spec["paths"]["/v1/services/{id}"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    assert patch == {"$ref": "#/components/schemas/ServicePatch"}


def test_the_docs_page_lists_every_operation_and_loads_nothing_from_elsewhere(client):
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "/v1/services/{id}" in html and "problem-validation-error" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


def test_the_match_result_documents_the_card_a_worker_acts_on(client):
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    card = schemas["ResultCard"]["properties"]
    assert {"phones", "hours", "always_open", "open_now", "application_process", "required_documents", "contacts",
            "wait_time", "alerts", "verified_at", "stale", "remote", "serves_area", "delivered_languages"} <= set(card)
    assert schemas["MatchResult"]["properties"]["card"]
    assert "school" in schemas["MatchChild"]["properties"]


def test_the_document_declares_if_match_etag_location_and_the_concurrency_and_limit_answers(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    patch = paths["/v1/services/{id}"]["patch"]
    assert {"name": "If-Match", "in": "header", "required": True}.items() <= next(
        p for p in patch["parameters"] if p.get("name") == "If-Match").items()
    assert {"412", "428", "429"} <= set(patch["responses"])
    assert "ETag" in patch["responses"]["200"]["headers"]
    assert set(paths["/v1/services"]["post"]["responses"]["201"]["headers"]) == {"ETag", "Location"}
    assert "ETag" in paths["/v1/services/{id}"]["get"]["responses"]["200"]["headers"]
    every = [op for item in paths.values() for method, op in item.items() if method != "parameters"]
    assert all("Retry-After" in op["responses"]["429"]["headers"] for op in every)


def test_a_created_record_answers_with_its_location(client, admin_headers):
    from tests import builders

    created = client.post("/v1/organizations", json=builders.organization(), headers=admin_headers)
    assert created.headers["Location"] == f"/v1/organizations/{created.get_json()['id']}"
    assert client.get(created.headers["Location"]).status_code == 200
