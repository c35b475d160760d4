"""Editors cannot undo admins: admin-only status changes are unreachable through PATCH, a suspended
organization's editors can only read, the audit trail refuses UPDATE and DELETE, and the last
active admin cannot be disabled."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from referral.db import get_db
from referral.models import AuditEvent
from referral.seeding import stable_id
from tests import builders
from tests.builders import change, seed_mini

EAST = stable_id("organization", "east-care")
EAST_OFFICE = stable_id("site", "east-care-office")
AUTISM = stable_id("service", "east-autism")


@pytest.fixture
def editor(app, make_key):
    """East Care's editor, on the seeded mini directory."""
    seed_mini(app)
    return make_key("org_editor", EAST)


@pytest.mark.parametrize("url", [f"/v1/services/{AUTISM}", f"/v1/sites/{EAST_OFFICE}"])
@pytest.mark.parametrize("admin_action, status", [("PATCH", "suspended"), ("DELETE", "inactive")])
def test_an_editor_cannot_bring_back_what_an_admin_suspended_or_deleted(
    app, client, admin_headers, editor, url, admin_action, status
):
    if admin_action == "PATCH":
        assert change(client, "PATCH", url, admin_headers, json={"status": "suspended"}).status_code == 200
    else:
        assert change(client, "DELETE", url, admin_headers).status_code == 200
    answer = change(client, "PATCH", url, editor, json={"status": "active"})
    assert answer.status_code == 403 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["errors"][0]["field"] == "status"
    assert client.get(url).get_json()["status"] == status


def test_an_editor_cannot_turn_a_suspension_into_a_deletion(app, client, admin_headers, editor):
    url = f"/v1/services/{AUTISM}"
    assert change(client, "PATCH", url, admin_headers, json={"status": "suspended"}).status_code == 200
    assert change(client, "DELETE", url, editor).status_code == 403
    assert change(client, "PATCH", url, editor, json={"status": "inactive"}).status_code == 403
    assert client.get(url).get_json()["status"] == "suspended"


def test_an_editor_may_still_deactivate_its_own_active_listing_by_patch(app, client, editor):
    answer = change(client, "PATCH", f"/v1/services/{AUTISM}", editor, json={"status": "inactive"})
    assert answer.status_code == 200 and answer.get_json()["status"] == "inactive"


def test_a_suspended_organizations_editors_can_read_but_not_write(app, client, admin_headers, editor):
    assert (
        change(client, "PATCH", f"/v1/organizations/{EAST}", admin_headers, json={"status": "suspended"}).status_code
        == 200
    )
    writes = [
        change(client, "PATCH", f"/v1/services/{AUTISM}", editor, json={"wait_days": 3}),
        client.post("/v1/sites", json=builders.site(EAST), headers=editor),
        client.post(f"/v1/services/{AUTISM}/confirm", headers=editor),
        change(client, "DELETE", f"/v1/sites/{EAST_OFFICE}", editor),
    ]
    assert [w.status_code for w in writes] == [403, 403, 403, 403]
    assert all(w.mimetype == "application/problem+json" for w in writes)
    assert client.get(f"/v1/services/{AUTISM}/history", headers=editor).status_code == 200
    assert client.get(f"/v1/services/{AUTISM}").get_json()["wait_days"] == 30


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"])
def test_the_audit_trail_refuses_update_and_delete_in_the_database_itself(app, client, admin_headers, statement):
    client.post("/v1/organizations", json=builders.organization(), headers=admin_headers)
    with app.app_context():
        engine = get_db().engine
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_the_audit_trail_refuses_truncate_on_postgresql(app, client, admin_headers, backend):
    if backend != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    client.post("/v1/organizations", json=builders.organization(), headers=admin_headers)
    with app.app_context(), pytest.raises(DatabaseError, match="append-only"), get_db().engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_events"))


def test_the_last_active_admin_cannot_be_disabled(app, client, admin_headers):
    first = client.post("/v1/admin/accounts", json={"name": "first", "role": "admin"}, headers=admin_headers)
    second = client.post("/v1/admin/accounts", json={"name": "second", "role": "admin"}, headers=admin_headers)
    first_id, second_id = first.get_json()["id"], second.get_json()["id"]
    assert (
        client.patch(f"/v1/admin/accounts/{first_id}", json={"status": "disabled"}, headers=admin_headers).status_code
        == 200
    )
    last = client.patch(f"/v1/admin/accounts/{second_id}", json={"status": "disabled"}, headers=admin_headers)
    assert last.status_code == 409 and last.mimetype == "application/problem+json"
    assert "last active admin" in last.get_json()["detail"]
    assert client.get("/v1/admin/accounts", headers=admin_headers).get_json()["items"][1]["status"] == "active"


def test_the_development_admin_key_never_works_unless_configured(database_url):
    from referral.app import create_app

    app = create_app({"ENV": "development", "DATABASE_URL": database_url})
    answer = app.test_client().get(
        "/v1/admin/accounts", headers={"Authorization": "Bearer dev-admin-key-not-for-production"}
    )
    assert answer.status_code == 401
    app.extensions["referral.db"].engine.dispose()


def test_serve_says_how_to_make_the_first_admin_key(database_url, monkeypatch):
    from click.testing import CliRunner

    from referral import cli

    monkeypatch.setenv("REFERRAL_DATABASE_URL", database_url)
    monkeypatch.setenv("REFERRAL_ADMIN_KEY", "")
    monkeypatch.setattr(cli.os, "execv", lambda *args: None)  # stop before gunicorn replaces the process
    monkeypatch.setattr(cli.os, "chdir", lambda *args: None)
    result = CliRunner().invoke(cli.main, ["serve"])
    assert result.exit_code == 0, result.output
    assert "referral create-key --role admin" in result.output


def test_serve_runs_one_balanced_worker_per_core_all_counting_limits_in_one_shared_file(database_url, monkeypatch):
    from click.testing import CliRunner
    from flask import Flask

    from referral import cli

    monkeypatch.setenv("REFERRAL_DATABASE_URL", database_url)
    started: list = []
    monkeypatch.setattr(cli.os, "execv", lambda _exe, argv: started.append(argv))
    monkeypatch.setattr(cli.os, "chdir", lambda *args: None)
    monkeypatch.setattr(cli.os, "sched_getaffinity", lambda _pid: {0, 1})
    assert CliRunner().invoke(cli.main, ["serve"]).exit_code == 0
    assert CliRunner().invoke(cli.main, ["serve", "--workers", "1", "--threads", "4"]).exit_code == 0
    default, single = started
    worker_class = default[default.index("--worker-class") + 1]
    assert worker_class == "referral.serving.BalancedWorker"
    assert (default[default.index("--workers") + 1], default[default.index("--threads") + 1]) == ("2", "8")
    instance = Flask("referral").instance_path
    assert (
        default[default.index("--env") + 1]
        == f"REFERRAL_RATELIMIT_STORAGE_URI=referral+sqlite:///{instance}/ratelimits.sqlite3"
    )
    assert (single[single.index("--workers") + 1], "--env" in single) == ("1", False)  # one process counts in memory
