"""Reads never wait on writes: while another connection holds the write lock (an import, any
writer), a match — its key check included — and directory reads answer at once, without 503."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from referral.db import get_db
from tests.builders import seed_mini

MATCH = {
    "location": {"place": "T1"},
    "child": {"age": 9, "groups": ["migrant"]},
    "needs": [{"code": "development.autism", "severity": 3}],
}


@contextmanager
def writer_holding_the_lock(database_url: str):
    """Another connection in the middle of a write transaction (uncommitted) for the whole block."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(make_url(database_url).database, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE directory_state SET version = version + 1")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = create_engine(database_url)
    with engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("UPDATE directory_state SET version = version + 1"))
        connection.execute(text("UPDATE api_keys SET expires_at = expires_at"))
        try:
            yield
        finally:
            transaction.rollback()
    engine.dispose()


def test_a_match_and_reads_answer_while_another_connection_holds_the_write_lock(
    app, client, worker_headers, database_url
):
    seed_mini(app)
    assert client.post("/v1/match", json=MATCH, headers=worker_headers).status_code == 200  # index built
    statements: list[str] = []
    with app.app_context():
        event.listen(get_db().engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with writer_holding_the_lock(database_url):
        app.extensions["referral.keys"].clear()  # the key is checked in the database, not from the cache
        match = client.post("/v1/match", json=MATCH, headers=worker_headers)
        services = client.get("/v1/services", headers=worker_headers)
        needs = client.get("/v1/needs")
    assert (match.status_code, services.status_code, needs.status_code) == (200, 200, 200)
    assert match.get_json()["results"][0]["service"]["name"] == "Autism rehabilitation"
    assert any("api_keys" in statement for statement in statements)  # the key check ran under the lock
    assert not any(s.split()[0].upper() in ("INSERT", "UPDATE", "DELETE") for s in statements)  # reads only
    assert "BEGIN IMMEDIATE" not in statements  # SQLite: deferred read transactions, never the write lock
