"""Organizations keep their own listings, and only their own; admins' fields stay admins'."""

from __future__ import annotations

import pytest

from referral.seeding import stable_id
from tests import builders
from tests.builders import change, fresh, seed_mini

EAST = stable_id("organization", "east-care")
WEST = stable_id("organization", "west-family")
EAST_OFFICE = stable_id("site", "east-care-office")
EAST_SERVICE = stable_id("service", "east-counselling")
WEST_HALL = stable_id("site", "west-family-hall")
WEST_SERVICE = stable_id("service", "west-parenting")


@pytest.fixture
def east_editor(app, make_key):
    seed_mini(app)
    return make_key("org_editor", EAST)


# (method, url, body) for every write route, aimed at WEST's records by EAST's editor.
FOREIGN_WRITES = [
    ("PATCH", f"/v1/organizations/{WEST}", {"phone": "1"}),
    ("PATCH", f"/v1/sites/{WEST_HALL}", {"phone": "1"}),
    ("DELETE", f"/v1/sites/{WEST_HALL}", None),
    ("PATCH", f"/v1/services/{WEST_SERVICE}", {"capacity": "full"}),
    ("DELETE", f"/v1/services/{WEST_SERVICE}", None),
    ("POST", f"/v1/services/{WEST_SERVICE}/confirm", None),
    ("POST", "/v1/sites", builders.site(WEST)),
    ("POST", "/v1/services", builders.service(WEST, sites=[WEST_HALL])),
]


@pytest.mark.parametrize("method, url, body", FOREIGN_WRITES, ids=[f"{m} {u}" for m, u, _ in FOREIGN_WRITES])
def test_an_editor_is_refused_on_another_organizations_listings(client, east_editor, method, url, body):
    record = url.removesuffix("/confirm")
    before = client.get(record).get_json() if record != url or method != "POST" else None
    headers = fresh(client, record, east_editor) if method in ("PATCH", "DELETE") else east_editor
    response = client.open(url, method=method, json=body, headers=headers)
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    if before is not None:
        assert client.get(record).get_json() == before  # nothing changed


@pytest.mark.parametrize(
    "url",
    [
        f"/v1/services/{WEST_SERVICE}/history",
        f"/v1/services/{WEST_SERVICE}/reports",
        f"/v1/organizations/{WEST}/history",
    ],
)
def test_an_editor_cannot_read_another_organizations_history_or_reports(client, east_editor, url):
    assert client.get(url, headers=east_editor).status_code == 403


def test_an_editor_edits_its_own_listings(client, east_editor):
    assert (
        change(client, "PATCH", f"/v1/services/{EAST_SERVICE}", east_editor, json={"capacity": "full"}).status_code
        == 200
    )
    assert (
        change(client, "PATCH", f"/v1/organizations/{EAST}", east_editor, json={"phone": "0512-1"}).status_code == 200
    )
    created = client.post("/v1/services", json=builders.service(EAST, sites=[EAST_OFFICE]), headers=east_editor)
    assert created.status_code == 201
    assert change(client, "DELETE", f"/v1/services/{created.get_json()['id']}", east_editor).status_code == 200


@pytest.mark.parametrize(
    "method, url, body, field",
    [
        ("PATCH", f"/v1/services/{EAST_SERVICE}", {"verified_at": "2026-11-01"}, "verified_at"),
        ("POST", "/v1/services", builders.service(EAST, verified_at="2026-11-01"), "verified_at"),
        ("PATCH", f"/v1/services/{EAST_SERVICE}", {"status": "suspended"}, "status"),
        ("PATCH", f"/v1/sites/{EAST_OFFICE}", {"status": "suspended"}, "status"),
        ("PATCH", f"/v1/organizations/{EAST}", {"status": "inactive"}, "status"),
    ],
)
def test_admin_fields_are_refused_for_editors(client, east_editor, method, url, body, field):
    headers = fresh(client, url, east_editor) if method == "PATCH" else east_editor
    response = client.open(url, method=method, json=body, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    "body",
    [{"id": "11111111-1111-1111-1111-111111111111"}, {"version": 9}, {"organization_id": WEST}],
    ids=["id", "version", "ownership"],
)
def test_ids_versions_and_ownership_cannot_be_patched(client, east_editor, body):
    response = change(client, "PATCH", f"/v1/services/{EAST_SERVICE}", east_editor, json=body)
    assert response.status_code == 422
    assert list(body)[0] in [e["field"] for e in response.get_json()["errors"]]


def test_only_admins_create_organizations_restore_and_deactivate_them(client, east_editor, admin_headers):
    assert client.post("/v1/organizations", json=builders.organization(), headers=east_editor).status_code == 403
    assert change(client, "DELETE", f"/v1/organizations/{EAST}", east_editor).status_code == 403
    change(client, "DELETE", f"/v1/services/{EAST_SERVICE}", east_editor)
    assert change(client, "POST", f"/v1/services/{EAST_SERVICE}/restore", east_editor).status_code == 403
    restored = change(client, "POST", f"/v1/services/{EAST_SERVICE}/restore", admin_headers)
    assert restored.status_code == 200 and restored.get_json()["status"] == "active"


@pytest.mark.parametrize("role", ["social_worker", "case_app"])
def test_matchers_may_read_and_match_but_not_write(app, client, make_key, role):
    seed_mini(app)
    headers = make_key(role)
    assert client.get("/v1/services", headers=headers).status_code == 200
    body = {"location": {"place": "T1"}, "child": {"age": 10}, "needs": [{"code": "mental_health"}]}
    assert client.post("/v1/match", json=body, headers=headers).status_code == 200
    assert change(client, "PATCH", f"/v1/services/{EAST_SERVICE}", headers, json={"phone": "1"}).status_code == 403


def test_an_editor_may_not_match(client, east_editor):
    body = {"location": {"place": "T1"}, "child": {"age": 10}, "needs": [{"code": "mental_health"}]}
    assert client.post("/v1/match", json=body, headers=east_editor).status_code == 403


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer rk_00000000_nope"}, {"Authorization": "Basic x"}])
def test_a_match_without_a_valid_key_is_a_401_with_a_challenge(app, client, headers):
    seed_mini(app)
    body = {"location": {"place": "T1"}, "child": {"age": 10}, "needs": [{"code": "mental_health"}]}
    response = client.post("/v1/match", json=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="referral"'


def test_a_wrong_key_is_refused_even_on_a_public_read(client):
    assert client.get("/v1/services", headers={"Authorization": "Bearer rk_00000000_nope"}).status_code == 401
