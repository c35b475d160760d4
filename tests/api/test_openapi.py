"""The OpenAPI document is valid OpenAPI 3.1, covers every route, and /docs renders it offline."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from referral.api import openapi


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


def test_the_docs_page_is_swagger_ui_on_the_document_and_loads_nothing_from_elsewhere(client):
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert 'data-spec="/openapi.json"' in html and 'id="problem-validation-error"' in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert not re.search(r"https?://", html)  # not even in a script: every URL is this app's
    local = re.findall(r'(?:src|href)="(/[^"]*)"', html)
    assert set(local) == {
        "/docs/static/docs.js",
        "/docs/swagger-ui/favicon-32x32.png",
        "/docs/swagger-ui/swagger-ui-bundle.js",
        "/docs/swagger-ui/swagger-ui.css",
        "/openapi.json",
    }


@pytest.mark.parametrize(
    ("path", "mimetype", "marker"),
    [
        ("/docs/swagger-ui/swagger-ui-bundle.js", "text/javascript", b"SwaggerUIBundle"),
        ("/docs/swagger-ui/swagger-ui.css", "text/css", b".swagger-ui"),
        ("/docs/swagger-ui/favicon-32x32.png", "image/png", b"\x89PNG"),
        ("/docs/static/docs.js", "text/javascript", b'getElementById("swagger-ui")'),
    ],
)
def test_the_docs_page_assets_are_served_by_the_app(client, path, mimetype, marker):
    with client.get(path) as answer:  # a file response: closed, or its file stays open
        assert answer.status_code == 200 and answer.mimetype == mimetype
        assert marker in answer.get_data()


def test_only_the_swagger_ui_files_the_page_uses_are_served(client):
    assert client.get("/docs/swagger-ui/swagger-editor-bundle.js").status_code == 404
    assert client.get("/docs/swagger-ui/..%2Fcore.py").status_code == 404


def test_the_bundled_swagger_ui_renders_openapi_3_1():
    """Swagger UI renders OpenAPI 3.1 from its version 5, whose bundle carries the isOAS31 plugin (the
    4.15.5 that swagger-ui-bundle 1.1.0 ships has none, and answers "Unable to render this definition")."""
    bundle = (openapi._swagger_ui_dir() / "swagger-ui-bundle.js").read_text(encoding="utf-8")
    assert "isOAS31" in bundle and "Unable to render this definition" in bundle


def test_the_match_result_documents_the_card_a_worker_acts_on(client):
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    card = schemas["ResultCard"]["properties"]
    assert {
        "phones",
        "hours",
        "always_open",
        "open_now",
        "application_process",
        "required_documents",
        "contacts",
        "wait_time",
        "alerts",
        "verified_at",
        "stale",
        "remote",
        "serves_area",
        "delivered_languages",
    } <= set(card)
    assert schemas["MatchResult"]["properties"]["card"]
    assert "school" in schemas["MatchChild"]["properties"]


def test_the_document_declares_if_match_etag_location_and_the_concurrency_and_limit_answers(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    patch = paths["/v1/services/{id}"]["patch"]
    assert {"name": "If-Match", "in": "header", "required": True}.items() <= next(
        p for p in patch["parameters"] if p.get("name") == "If-Match"
    ).items()
    assert {"412", "428", "429"} <= set(patch["responses"])
    assert "ETag" in patch["responses"]["200"]["headers"]
    assert set(paths["/v1/services"]["post"]["responses"]["201"]["headers"]) == {"ETag", "Location"}
    assert "ETag" in paths["/v1/services/{id}"]["get"]["responses"]["200"]["headers"]
    probe = paths["/v1/health/live"]["get"]
    every = [op for item in paths.values() for method, op in item.items() if method != "parameters"]
    assert all("Retry-After" in op["responses"]["429"]["headers"] for op in every if op is not probe)
    assert "429" not in probe["responses"]  # the liveness probe is never limited


def test_a_created_record_answers_with_its_location(client, admin_headers):
    from tests import builders

    created = client.post("/v1/organizations", json=builders.organization(), headers=admin_headers)
    assert created.headers["Location"] == f"/v1/organizations/{created.get_json()['id']}"
    assert client.get(created.headers["Location"]).status_code == 200
