"""The audit trail, keys that expire and are revoked, freshness confirmations and reports."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from referral.db import get_db
from referral.models import ApiKey, AuditEvent
from referral.seeding import stable_id
from tests.builders import change, seed_mini

EAST = stable_id("organization", "east-care")
SERVICE = stable_id("service", "east-counselling")
URL = f"/v1/services/{SERVICE}"


def test_history_shows_each_change_with_who_and_before_and_after(app, client, make_key):
    seed_mini(app)
    editor = make_key("org_editor", EAST)
    change(client, "PATCH", URL, editor, json={"capacity": "waitlist", "wait_days": 10})
    change(client, "DELETE", URL, editor)
    events = client.get(f"{URL}/history", headers=editor).get_json()["items"]
    assert [e["action"] for e in events] == ["update", "delete"]
    assert events[0]["changes"] == {"capacity": ["accepting", "waitlist"], "wait_days": [None, 10]}
    assert events[1]["changes"] == {"status": ["active", "inactive"]}
    assert events[0]["actor"].startswith("key:") and events[0]["account_id"]


def test_a_created_listing_records_every_field_as_new(app, client, admin_headers):
    seed_mini(app)
    created = client.post("/v1/organizations", json={"name": "新机构", "kind": "ngo"}, headers=admin_headers).get_json()
    (event,) = client.get(f"/v1/organizations/{created['id']}/history", headers=admin_headers).get_json()["items"]
    assert (event["action"], event["actor"]) == ("create", "config-admin")
    assert event["changes"]["name"] == [None, "新机构"]


def test_the_database_refuses_to_rewrite_the_audit_trail(app, client, admin_headers):
    seed_mini(app)
    change(client, "PATCH", URL, admin_headers, json={"capacity": "full"})
    with app.app_context(), get_db().session(write=True) as session, pytest.raises(DBAPIError, match="append-only"):
        session.execute(update(AuditEvent).values(actor="someone else"))
        session.commit()


def test_a_key_is_stored_only_as_a_hash(app, make_key):
    headers = make_key("social_worker")
    plain = headers["Authorization"].removeprefix("Bearer ")
    with app.app_context(), get_db().session() as session:
        key = session.scalars(select(ApiKey)).one()
        assert plain not in str(session.execute(text("SELECT * FROM api_keys")).all())
        assert len(key.secret_hash) == 64 and plain.startswith(f"rk_{key.prefix}_")


def test_a_revoked_key_stops_working_at_once(app, client, make_key, admin_headers):
    headers = make_key("social_worker")
    assert client.get("/v1/health", headers=headers).status_code == 200
    prefix = headers["Authorization"].split("_")[1]
    assert client.delete(f"/v1/admin/keys/{prefix}", headers=admin_headers).status_code == 200
    assert client.get("/v1/health", headers=headers).status_code == 401


def test_an_expired_key_is_refused(app, client, make_key):
    headers = make_key("social_worker", expires_in_days=1)
    with app.app_context(), get_db().session(write=True) as session:
        session.execute(update(ApiKey).values(expires_at=ApiKey.created_at))
        session.commit()
    assert client.get("/v1/health", headers=headers).status_code == 401


def test_a_disabled_accounts_keys_stop_working(app, client, make_key, admin_headers):
    headers = make_key("case_app")
    (account,) = [
        a
        for a in client.get("/v1/admin/accounts", headers=admin_headers).get_json()["items"]
        if a["role"] == "case_app"
    ]
    client.patch(f"/v1/admin/accounts/{account['id']}", json={"status": "disabled"}, headers=admin_headers)
    assert client.get("/v1/health", headers=headers).status_code == 401


def test_admins_issue_keys_through_the_api_and_the_key_is_shown_once(app, client, admin_headers):
    seed_mini(app)
    account = client.post(
        "/v1/admin/accounts",
        json={"name": "东区编辑", "role": "org_editor", "organization_id": EAST},
        headers=admin_headers,
    ).get_json()
    issued = client.post(
        f"/v1/admin/accounts/{account['id']}/keys", json={"expires_in_days": 90}, headers=admin_headers
    ).get_json()
    assert issued["key"].startswith(f"rk_{issued['prefix']}_")
    listed = client.get("/v1/admin/accounts", headers=admin_headers).get_json()["items"]
    assert "key" not in listed[0]["keys"][0]
    editor = {"Authorization": f"Bearer {issued['key']}"}
    assert change(client, "PATCH", URL, editor, json={"capacity": "full"}).status_code == 200
    (event,) = client.get(f"{URL}/history", headers=admin_headers).get_json()["items"]
    assert (event["actor"], event["account_id"]) == (f"key:{issued['prefix']}", account["id"])
    with app.app_context(), get_db().session() as session:
        assert {e.action for e in session.scalars(select(AuditEvent))} >= {"create", "key_issued", "update"}


def test_an_org_editor_account_needs_its_organization(client, admin_headers):
    response = client.post("/v1/admin/accounts", json={"name": "x", "role": "org_editor"}, headers=admin_headers)
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "organization_id"


def test_confirming_a_listing_sets_verified_at_to_today_and_clears_it_from_stale(app, client, make_key, admin_headers):
    seed_mini(app)
    editor = make_key("org_editor", EAST)
    stale_before = {s["id"] for s in client.get("/v1/admin/stale?days=30", headers=admin_headers).get_json()["items"]}
    assert SERVICE in stale_before  # verified 2026-10-01
    confirmed = client.post(f"{URL}/confirm", headers=editor).get_json()
    assert confirmed["verified_at"] == date.today().isoformat()
    stale_after = {s["id"] for s in client.get("/v1/admin/stale?days=30", headers=admin_headers).get_json()["items"]}
    assert stale_after == stale_before - {SERVICE}


def test_anyone_with_a_key_reports_a_wrong_listing_and_its_editor_resolves_it(app, client, make_key, admin_headers):
    seed_mini(app)
    worker, editor = make_key("social_worker"), make_key("org_editor", EAST)
    assert client.post(f"{URL}/reports", json={"reason": "电话已停机"}).status_code == 401
    filed = client.post(f"{URL}/reports", json={"reason": "电话已停机"}, headers=worker)
    assert filed.status_code == 201
    report_id = filed.get_json()["id"]
    assert [r["reason"] for r in client.get(f"{URL}/reports", headers=editor).get_json()["items"]] == ["电话已停机"]
    assert client.get("/v1/admin/reports", headers=admin_headers).get_json()["total"] == 1
    resolved = client.post(f"/v1/reports/{report_id}/resolve", json={"resolution": "已更新电话"}, headers=editor)
    assert resolved.status_code == 200 and resolved.get_json()["status"] == "resolved"
    assert client.get("/v1/admin/reports", headers=admin_headers).get_json()["total"] == 0
