"""Faults: a database lost mid-request is a problem+json 503 and the next request works without a
restart; liveness never queries, readiness checks a write works; CORS answers preflights without a key."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, event, text

from referral.app import create_app
from referral.db import get_db
from referral.seeding import stable_id
from tests.api.test_reads_never_wait import writer_holding_the_lock
from tests.builders import seed_mini
from tests.conftest import ADMIN_KEY, POSTGRES_URL

AUTISM = stable_id("service", "east-autism")


class Fault:
    """Arms the app's engine to lose its database on the next statements: on PostgreSQL the
    server really terminates the connection's backend; SQLite, embedded, gets a disk I/O error."""

    def __init__(self, app, backend: str, message: str = "disk I/O error"):  # noqa: ANN001
        self.armed = 0
        self.backend, self.message = backend, message
        with app.app_context():
            event.listen(get_db().engine, "before_cursor_execute", self._strike)

    def _strike(self, conn, _cursor, _statement, _parameters, _context, _many):  # noqa: ANN001
        if self.armed <= 0:
            return
        self.armed -= 1
        if self.backend == "sqlite":
            raise sqlite3.OperationalError(self.message)
        pid = conn.connection.dbapi_connection.info.backend_pid
        killer = create_engine(POSTGRES_URL)
        with killer.begin() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()


def test_a_database_lost_mid_request_is_a_503_problem_and_the_next_request_recovers(app, client, backend):
    seed_mini(app)
    assert client.get(f"/v1/services/{AUTISM}").status_code == 200
    fault = Fault(app, backend)
    fault.armed = 1
    lost = client.get(f"/v1/services/{AUTISM}")
    assert lost.status_code == 503 and lost.mimetype == "application/problem+json"
    assert lost.get_json()["type"] == "/docs#problem-database-unavailable"
    assert lost.headers["Retry-After"] == "5"  # its own, not the rate limiter's window
    assert client.get(f"/v1/services/{AUTISM}").status_code == 200  # no restart


def test_a_write_that_loses_its_database_is_a_503_and_writes_nothing(app, client, admin_headers, backend):
    seed_mini(app)
    etag = client.get(f"/v1/services/{AUTISM}").headers["ETag"]
    fault = Fault(app, backend)
    fault.armed = 3  # the read, the lock, the update: whichever runs first fails
    lost = client.patch(f"/v1/services/{AUTISM}", json={"wait_days": 1}, headers={**admin_headers, "If-Match": etag})
    assert lost.status_code == 503 and lost.mimetype == "application/problem+json"
    assert lost.headers["Retry-After"] == "5"
    fault.armed = 0
    assert client.get(f"/v1/services/{AUTISM}").get_json()["wait_days"] == 30


def test_liveness_never_queries_and_readiness_says_when_writes_fail(app, client, backend):
    fault = Fault(app, backend)
    fault.armed = 10**6
    live = client.get("/v1/health/live")
    assert (live.status_code, live.get_json()["status"]) == (200, "ok")
    ready = client.get("/v1/health/ready")
    assert (ready.status_code, ready.get_json()["status"]) == (503, "unavailable")
    fault.armed = 0
    assert client.get("/v1/health/ready").get_json() == {"status": "ok", "database": "ok",
                                                         "version": client.get("/v1/health").get_json()["version"]}


def test_readiness_counts_a_held_write_lock_as_ready_and_writes_nothing(app, client, database_url):
    with writer_holding_the_lock(database_url):
        ready = client.get("/v1/health/ready")
    assert ready.status_code == 200
    assert ready.get_json()["database"] in ("busy", "ok")  # SQLite: busy; PostgreSQL row locks: busy or ok
    assert client.get("/v1/health").get_json()["directory"]["version"] == 0


@pytest.fixture
def cors_app(database_url):  # noqa: ANN001, ANN201
    app = create_app({"ENV": "test", "DATABASE_URL": database_url, "ADMIN_KEY": ADMIN_KEY,
                      "CORS_ORIGINS": ["https://case.example.org"]})
    yield app
    app.extensions["referral.db"].engine.dispose()


def test_a_preflight_from_an_allowed_origin_is_answered_without_a_key(cors_app):
    answer = cors_app.test_client().options("/v1/match", headers={
        "Origin": "https://case.example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, if-match"})
    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == "https://case.example.org"
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]


def test_cors_exposes_etag_location_and_link_and_refuses_other_origins(cors_app):
    client = cors_app.test_client()
    allowed = client.get("/v1/health", headers={"Origin": "https://case.example.org"})
    exposed = {h.strip().lower() for h in allowed.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "location", "link"} <= exposed
    other = client.get("/v1/health", headers={"Origin": "https://evil.example.com"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_without_configured_origins_there_is_no_cross_origin_access(client):
    answer = client.get("/v1/health", headers={"Origin": "https://case.example.org"})
    assert "Access-Control-Allow-Origin" not in answer.headers



def test_a_sqlite_connection_that_found_the_file_read_only_is_reopened_not_kept(app, client, admin_headers, backend):
    if backend != "sqlite":
        pytest.skip("SQLite keeps a connection read-only once it opened the file so")
    seed_mini(app)
    opened: list = []
    with app.app_context():
        event.listen(get_db().engine, "connect", lambda dbapi_connection, _record: opened.append(dbapi_connection))
    fault = Fault(app, backend, "attempt to write a readonly database")
    etag = client.get(f"/v1/services/{AUTISM}").headers["ETag"]
    assert opened == []  # the pool's connection served the read
    fault.armed = 1
    lost = client.patch(f"/v1/services/{AUTISM}", json={"wait_days": 1}, headers={**admin_headers, "If-Match": etag})
    assert lost.status_code == 503
    again = client.patch(f"/v1/services/{AUTISM}", json={"wait_days": 1}, headers={**admin_headers, "If-Match": etag})
    assert again.status_code == 200 and len(opened) >= 1  # a fresh connection, read-write
