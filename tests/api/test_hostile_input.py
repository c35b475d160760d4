"""Text at the boundary: invalid Unicode, NUL and control characters, over-long strings, over-deep
JSON and out-of-range paging are refused as problem+json before anything is stored (both databases)."""

from __future__ import annotations

import json

import pytest
from marshmallow import fields, validate
from sqlalchemy import func, select

from referral.db import get_db
from referral.models import AuditEvent, Organization, Service, Site
from referral.seeding import stable_id
from tests import builders
from tests.builders import seed_mini

EAST = stable_id("organization", "east-care")
AUTISM = stable_id("service", "east-autism")


def counts(app) -> tuple[int, int, int, int]:
    with app.app_context(), get_db().session() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(m)) for m in (Organization, Site, Service, AuditEvent)
        )


def send(client, method: str, url: str, body, headers):
    """Send ``body`` as JSON with every non-ASCII character escaped, as hostile clients do: lone
    surrogates travel as \\udXXX escapes (raw UTF-8 cannot carry them)."""
    return client.open(url, method=method, data=json.dumps(body), content_type="application/json", headers=headers)


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_a_lone_surrogate_in_a_service_name_is_refused_and_matching_keeps_working(
    app, client, admin_headers, worker_headers
):
    seed_mini(app)
    before = counts(app)
    body = builders.service(EAST, names={"zh": "心理\ud800咨询"})
    answer = problem(send(client, "POST", "/v1/services", body, admin_headers), 422)
    assert [e["field"] for e in answer["errors"]] == ["names.zh"]
    assert answer["errors"][0]["detail"] == "is not valid Unicode (it holds a lone surrogate)"
    assert counts(app) == before
    assert client.get("/v1/services").status_code == 200
    matched = client.post(
        "/v1/match",
        json={"location": {"place": "T1"}, "child": {"age": 12}, "needs": [{"code": "family"}]},
        headers=worker_headers,
    )
    assert matched.status_code == 200


@pytest.mark.parametrize(
    "text, detail",
    [
        ("a\x00b", "must not contain a NUL character"),
        ("a\x1bb", "must not contain the control character U+001B"),
        ("a\x85b", "must not contain the control character U+0085"),  # a C1 control
        ("\udfff", "is not valid Unicode (it holds a lone surrogate)"),
    ],
)
def test_nul_controls_and_surrogates_are_refused_naming_the_field(app, client, admin_headers, text, detail):
    answer = problem(
        send(client, "POST", "/v1/organizations", builders.organization(description=text), admin_headers), 422
    )
    assert answer["errors"] == [{"field": "description", "pointer": "/description", "detail": detail}]
    assert counts(app) == (0, 0, 0, 0)


def test_tabs_and_line_breaks_stay_allowed_in_long_text(client, admin_headers):
    created = client.post(
        "/v1/organizations", json=builders.organization(description="一\t二\r\n三"), headers=admin_headers
    )
    assert created.status_code == 201
    assert created.get_json()["description"] == "一\t二\r\n三"


def test_a_bad_key_in_an_object_is_named_by_its_parent_and_never_echoed(app, client, admin_headers):
    answer = problem(
        client.post("/v1/organizations", json=builders.organization(names={"\x00": "x"}), headers=admin_headers), 422
    )
    assert answer["errors"][0]["field"] == "names"
    assert "\x00" not in str(answer)


def test_an_email_longer_than_320_characters_is_refused(app, client, admin_headers):
    email = "a" * 64 + "@" + ".".join(["b" * 63] * 4) + ".cn"  # 323 characters, each part within limits
    answer = problem(
        client.post("/v1/organizations", json=builders.organization(email=email), headers=admin_headers), 422
    )
    assert [e["field"] for e in answer["errors"]] == ["email"]
    assert counts(app) == (0, 0, 0, 0)


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_json_nested_too_deep_is_a_400_before_it_is_parsed(client, admin_headers, worker_headers, depth):
    raw = '{"name": ' + "[" * depth + "]" * depth + "}"
    for url, headers in (("/v1/organizations", admin_headers), ("/v1/match", worker_headers)):
        answer = problem(client.post(url, data=raw, content_type="application/json", headers=headers), 400)
        assert answer["detail"] == "The JSON is nested deeper than 32 levels."


def test_brackets_inside_strings_do_not_count_as_nesting(client, admin_headers):
    created = client.post(
        "/v1/organizations", json=builders.organization(description="[" * 100 + '\\"{'), headers=admin_headers
    )
    assert created.status_code == 201


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_a_path_id_with_a_nul_is_not_found(app, client, admin_headers, method):
    seed_mini(app)
    response = client.open(
        "/v1/services/%00abc", method=method, json={"name": "x"}, headers={**admin_headers, "If-Match": '"1"'}
    )
    assert problem(response, 404)["title"] == "Not Found"
    assert problem(client.get(f"/hsds/services/{AUTISM}%00"), 404)["title"] == "Not Found"


LISTS = [
    "/v1/organizations",
    "/v1/sites",
    "/v1/services",
    "/v1/admin/stale",
    "/v1/admin/reports",
    "/hsds/services",
    "/hsds/organizations",
    "/hsds/service_at_locations",
    "/hsds/taxonomies",
    "/hsds/taxonomy_terms",
]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("page", [2**62, 2**63, 10**30, 100_001])
def test_a_page_beyond_the_last_possible_one_is_a_422_on_every_list(app, client, admin_headers, url, page):
    answer = problem(client.get(url, query_string={"page": page}, headers=admin_headers), 422)
    assert [e["field"] for e in answer["errors"]] == ["page"]


@pytest.mark.parametrize("url", LISTS)
def test_the_deepest_allowed_page_is_an_empty_page(app, client, admin_headers, url):
    assert client.get(url, query_string={"page": 100_000}, headers=admin_headers).status_code == 200


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_modified_after_beyond_utc_is_a_422(app, client, value):
    answer = problem(client.get("/hsds/services", query_string={"modified_after": value}), 422)
    assert [e["field"] for e in answer["errors"]] == ["modified_after"]


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]
)
def test_modified_after_at_the_extremes_that_exist_answers(app, client, value):
    seed_mini(app)
    total = client.get("/hsds/services", query_string={"modified_after": value}).get_json()["total_items"]
    assert total == (0 if value.startswith("9999") else 4)


def _unbounded(field: fields.Field, path: str):
    if isinstance(field, fields.Nested):
        schema = field.schema
        for name, inner in schema.load_fields.items():
            yield from _unbounded(inner, f"{path}.{name}")
    elif isinstance(field, fields.List):
        yield from _unbounded(field.inner, f"{path}[]")
    elif isinstance(field, fields.Dict):
        yield from _unbounded(field.key_field, f"{path}{{key}}")
        yield from _unbounded(field.value_field, f"{path}{{value}}")
    elif isinstance(field, fields.String):
        bounded = any(
            isinstance(v, validate.OneOf) or (isinstance(v, validate.Length) and v.max is not None)
            for v in field.validators
        )
        if not bounded:
            yield path


def test_every_string_a_client_sends_has_a_maximum_length(app):
    from referral.api.routing import instance

    unbounded = []
    for view in app.view_functions.values():
        operation = getattr(view, "referral_operation", None)
        for schema in (operation.query, operation.body) if operation else ():
            if schema is not None:
                for name, field in instance(schema).load_fields.items():
                    unbounded += _unbounded(field, f"{operation.method} {operation.rule} {name}")
    assert unbounded == []
