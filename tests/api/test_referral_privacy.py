"""Privacy of referrals: the family's contact is never logged, stored only encrypted, and erased
(with the message, child reference and consent) a retention time after the referral closes."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select, text

from referral import referrals, worker
from referral.db import get_db
from referral.models import Referral
from referral.policy import CLI
from tests.referral_setup import PHONE, move, people, send

SECRETS = (PHONE, "case-2026-0042", "情绪低落", "母亲", "to arrange counselling")


@pytest.fixture
def cast(app, make_key, admin_headers):
    return people(app, make_key, admin_headers)


def _every_value(app) -> str:
    """Every text value of every table, as one string (what someone with the database file would see)."""
    with app.app_context():
        engine = get_db().engine
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            return "\n".join(str(row) for t in tables for row in connection.execute(text(f'SELECT * FROM "{t}"')))


def test_no_family_contact_or_child_reference_reaches_the_logs(app, client, cast, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    sent = send(client, cast.worker)
    client.post(
        "/v1/referrals",
        json={"service_id": "x", "needs": [], "child_ref": "张小明", "message": PHONE},
        headers=cast.worker,
    )
    move(client, sent["id"], cast.editor, "accepted")
    client.get("/v1/referrals", headers=cast.editor)
    logged = caplog.text + "".join(capsys.readouterr())
    assert "POST /v1/referrals 201" in logged
    assert not [s for s in (*SECRETS, "张小明") if s in logged]


def test_the_database_holds_personal_fields_only_encrypted(app, client, cast):
    send(client, cast.worker)
    everything = _every_value(app)
    assert not [s for s in SECRETS if s in everything]


def test_after_the_retention_time_the_family_contact_is_gone_from_the_database(app, client, cast):
    sent = send(client, cast.worker)
    move(client, sent["id"], cast.editor, "accepted")
    move(client, sent["id"], cast.editor, "completed")
    with app.app_context(), get_db().session(write=True) as session:
        closed = session.get(Referral, sent["id"]).closed_at
        assert referrals.purge(session, CLI, 90, now=closed + timedelta(days=89)) == 0
        assert referrals.purge(session, CLI, 90, now=closed + timedelta(days=90)) == 1
    with app.app_context(), get_db().session() as session:
        row = session.get(Referral, sent["id"])
        assert (row.message_sealed, row.child_ref_sealed, row.family_contact_sealed, row.consent_sealed) == (None,) * 4
    read = client.get(f"/v1/referrals/{sent['id']}", headers=cast.worker).get_json()
    assert (read["purged"], read["family_contact"], read["message"], read["status"]) == (True, None, None, "completed")
    assert read["has_family_contact"] is True  # the fact stays
    history = client.get(f"/v1/referrals/{sent['id']}/history", headers=cast.worker).get_json()["items"]
    assert [e["action"] for e in history] == ["create", "status", "status", "purge"]


def test_open_referrals_are_never_purged(app, client, cast):
    sent = send(client, cast.worker)
    with app.app_context(), get_db().session(write=True) as session:
        assert referrals.purge(session, CLI, 0, now=datetime.now(UTC) + timedelta(days=3650)) == 0
    assert client.get(f"/v1/referrals/{sent['id']}", headers=cast.worker).get_json()["family_contact"] is not None


def _app_with(database_url: str, **referrals_config):
    """Another app on the same database, with its own REFERRALS settings (config is never mutated)."""
    from referral.app import create_app

    return create_app({"ENV": "test", "DATABASE_URL": database_url, "REFERRALS": referrals_config})


def test_the_purge_command_erases_what_is_due(app, client, cast, database_url):
    sent = send(client, cast.worker)
    move(client, sent["id"], cast.worker, "cancelled")
    other = _app_with(database_url, retention_days=0)
    result = other.test_cli_runner().invoke(args=["purge"])
    other.extensions["referral.db"].engine.dispose()
    assert result.output == "purged 1 referrals\n"
    assert client.get(f"/v1/referrals/{sent['id']}", headers=cast.worker).get_json()["purged"] is True


def test_the_worker_loop_purges_and_stops_when_told(app, client, cast, database_url):
    sent = send(client, cast.worker)
    move(client, sent["id"], cast.worker, "cancelled")
    looping = _app_with(database_url, retention_days=0, worker_poll_seconds=0.01)
    stop = threading.Event()
    thread = threading.Thread(target=worker.loop, args=(looping, object(), stop))
    thread.start()
    deadline = datetime.now(UTC) + timedelta(seconds=20)
    while datetime.now(UTC) < deadline:
        with app.app_context(), get_db().session() as session:
            if session.scalar(select(Referral.purged_at).where(Referral.id == sent["id"])) is not None:
                break
    stop.set()
    thread.join(timeout=20)
    looping.extensions["referral.db"].engine.dispose()
    assert not thread.is_alive()
    assert client.get(f"/v1/referrals/{sent['id']}", headers=cast.worker).get_json()["purged"] is True


def test_production_refuses_the_development_encryption_key():
    from referral.app import create_app
    from referral.config import ConfigError

    production = {"ENV": "production", "SECRET_KEY": "a-real-secret-key-0123456789"}
    with pytest.raises(ConfigError, match="ENCRYPTION_KEY holds the development key"):
        create_app(production)
    with pytest.raises(ConfigError, match="not a Fernet key"):
        create_app({"ENCRYPTION_KEY": "too-short"})
    from referral.sealing import new_key

    assert create_app({**production, "ENCRYPTION_KEY": [new_key()]}).config["ENV"] == "production"
