"""Every error is RFC 9457 problem+json: never HTML, never a stack trace; a failed write changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from referral.db import get_db
from referral.models import Organization
from tests import builders

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["type"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def organizations(app) -> int:
    with app.app_context(), get_db().session() as session:
        return session.scalar(select(func.count()).select_from(Organization))


def test_malformed_json_is_a_400(app, client, admin_headers):
    response = client.post(
        "/v1/organizations", data='{"name": ', content_type="application/json", headers=admin_headers
    )
    assert assert_problem(response, 400)["detail"] == "The body is not well-formed JSON."
    assert organizations(app) == 0


def test_a_body_that_is_not_json_is_a_415(client, admin_headers):
    response = client.post(
        "/v1/organizations", data="name=x", content_type="application/x-www-form-urlencoded", headers=admin_headers
    )
    assert_problem(response, 415)


def test_a_json_array_body_is_a_422(client, admin_headers):
    body = assert_problem(client.post("/v1/organizations", json=[1], headers=admin_headers), 422)
    assert body["errors"] == [{"field": "", "pointer": "", "detail": "must be a JSON object"}]


def test_invalid_values_are_a_422_naming_each_field(app, client, admin_headers):
    response = client.post(
        "/v1/organizations", json=builders.organization(kind="club", email="nope", extra=1), headers=admin_headers
    )
    body = assert_problem(response, 422)
    assert {e["field"] for e in body["errors"]} == {"kind", "email", "extra"}
    assert body["type"] == "/docs#problem-validation-error"
    assert organizations(app) == 0


def test_an_unknown_id_is_a_404(client):
    body = assert_problem(client.get("/v1/services/00000000-0000-0000-0000-000000000000"), 404)
    assert body["detail"] == "No service with id '00000000-0000-0000-0000-000000000000'."


def test_an_unknown_path_is_a_404_problem_not_an_html_page(client):
    assert_problem(client.get("/v1/nothing-here"), 404)


def test_a_wrong_method_is_a_405_with_allow(client, admin_headers):
    response = client.put("/v1/organizations", json={}, headers=admin_headers)
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_an_oversized_body_is_a_413(app, client, admin_headers):
    big = builders.organization(description="x" * (app.config["MAX_CONTENT_LENGTH"] + 10))
    assert_problem(client.post("/v1/organizations", json=big, headers=admin_headers), 413)
    assert organizations(app) == 0


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}])
def test_a_write_without_the_admin_key_is_a_401_with_www_authenticate(app, client, headers):
    response = client.post("/v1/organizations", json=builders.organization(), headers=headers)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert organizations(app) == 0


def test_a_repeated_query_argument_is_a_422(client):
    body = assert_problem(client.get("/v1/services?need=a&need=b"), 422)
    assert body["errors"][0]["field"] == "need"


def test_an_unexpected_failure_is_a_bare_500_problem(app):
    def explode():
        raise RuntimeError("secret internals")

    app.add_url_rule("/v1/explode", view_func=explode)
    response = app.test_client().get("/v1/explode")
    body = assert_problem(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)
    assert body["detail"] == "An unexpected error occurred."
