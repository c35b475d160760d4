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
