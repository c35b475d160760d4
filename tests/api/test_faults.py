"""Faults: a database lost mid-request, or one that refuses writes (a read-only standby), is a problem+json
503 and the next request works without a restart; liveness never queries, readiness checks a write works;
CORS answers preflights without a key."""

from __future__ import annotations

import socket
import sqlite3

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import TimeoutError as PoolTimeout

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

    def __init__(self, app, backend: str, message: str = "disk I/O error"):
        self.armed = 0
        self.backend, self.message = backend, message
        with app.app_context():
            event.listen(get_db().engine, "before_cursor_execute", self._strike)

    def _strike(self, conn, _cursor, _statement, _parameters, _context, _many):
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
    assert client.get("/v1/health/ready").get_json() == {
        "status": "ok",
        "database": "ok",
        "version": client.get("/v1/health").get_json()["version"],
    }


def test_readiness_counts_a_held_write_lock_as_ready_and_writes_nothing(app, client, database_url):
    with writer_holding_the_lock(database_url):
        ready = client.get("/v1/health/ready")
    assert ready.status_code == 200
    assert ready.get_json()["database"] == "busy"  # SQLite's busy timeout; PostgreSQL's lock_timeout (55P03)
    assert client.get("/v1/health").get_json()["directory"]["version"] == 0


@pytest.fixture
def cors_app(database_url):
    app = create_app(
        {
            "ENV": "test",
            "DATABASE_URL": database_url,
            "ADMIN_KEY": ADMIN_KEY,
            "CORS_ORIGINS": ["https://case.example.org"],
        }
    )
    yield app
    app.extensions["referral.db"].engine.dispose()


def test_a_preflight_from_an_allowed_origin_is_answered_without_a_key(cors_app):
    answer = cors_app.test_client().options(
        "/v1/match",
        headers={
            "Origin": "https://case.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, if-match",
        },
    )
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


class ReadOnlyOnce:
    """The app's next SQLite connection opens the file read-only — as SQLite does, silently, when the
    file is not writable at that moment (root ignores file modes, so a chmod proves nothing here)."""

    def __init__(self, app):
        self.armed, self.opened = False, 0
        with app.app_context():
            self.engine = get_db().engine
        event.listen(self.engine, "do_connect", self._connect)

    def arm(self) -> None:
        self.engine.dispose()  # the pool forgets its read-write connections
        self.armed = True

    def _connect(self, _dialect, _record, _cargs, cparams):
        self.opened += 1
        if not self.armed:
            return None  # the usual connection
        self.armed = False
        return sqlite3.connect(f"file:{self.engine.url.database}?mode=ro", uri=True, **cparams)


def test_a_sqlite_connection_opened_read_only_is_reopened_read_write_by_the_next_write(
    app, client, admin_headers, backend
):
    if backend != "sqlite":
        pytest.skip("SQLite keeps a connection read-only once it opened the file so")
    seed_mini(app)
    read_only = ReadOnlyOnce(app)
    read_only.arm()
    etag = client.get(f"/v1/services/{AUTISM}").headers["ETag"]  # reads work on it
    lost = client.patch(f"/v1/services/{AUTISM}", json={"wait_days": 1}, headers={**admin_headers, "If-Match": etag})
    assert (lost.status_code, lost.get_json()["type"]) == (503, "/docs#problem-database-unavailable")
    opened = read_only.opened
    again = client.patch(f"/v1/services/{AUTISM}", json={"wait_days": 1}, headers={**admin_headers, "If-Match": etag})
    assert again.status_code == 200 and read_only.opened == opened + 1  # a fresh connection, read-write
    assert client.get(f"/v1/services/{AUTISM}").get_json()["wait_days"] == 1


def test_readiness_finds_a_read_only_sqlite_connection_and_is_ready_once_it_is_reopened(app, client, backend):
    if backend != "sqlite":
        pytest.skip("SQLite keeps a connection read-only once it opened the file so")
    read_only = ReadOnlyOnce(app)
    read_only.arm()
    assert client.get("/v1/health/live").status_code == 200
    unready = client.get("/v1/health/ready")
    assert (unready.status_code, unready.get_json()["database"]) == (503, "writes fail")
    assert client.get("/v1/health/ready").status_code == 200


class ReadOnlyServer:
    """Once demoted, the database takes reads and refuses writes: a PostgreSQL hot standby
    (each transaction turned read-only on the server: a write is SQLSTATE 25006, which SQLAlchemy raises as
    an InternalError, neither an OperationalError nor a lost connection), or SQLite's ``query_only``."""

    def __init__(self, app, backend: str):
        self.backend = backend
        self.demoted = False
        with app.app_context():
            self.engine = get_db().engine

    def demote(self) -> None:
        event.listen(self.engine, "before_cursor_execute", self._read_only)
        self.demoted = True

    def _read_only(self, _conn, cursor, _statement, _parameters, _context, _many):
        # PostgreSQL lets a transaction become read-only at any point (only the way back is refused)
        cursor.execute("PRAGMA query_only = ON" if self.backend == "sqlite" else "SET TRANSACTION READ ONLY")

    def promote(self) -> None:
        if self.demoted:
            event.remove(self.engine, "before_cursor_execute", self._read_only)
            self.engine.dispose()  # SQLite keeps query_only on a connection
            self.demoted = False


@pytest.fixture
def standby(app, backend):
    server = ReadOnlyServer(app, backend)
    yield server
    server.promote()  # the teardown writes


def test_a_write_to_a_read_only_server_is_a_503_to_retry_and_reads_still_work(app, client, admin_headers, standby):
    seed_mini(app)
    standby.demote()
    read = client.get(f"/v1/services/{AUTISM}")
    assert read.status_code == 200
    change = {"json": {"wait_days": 1}, "headers": {**admin_headers, "If-Match": read.headers["ETag"]}}
    refused = client.patch(f"/v1/services/{AUTISM}", **change)
    assert (refused.status_code, refused.mimetype) == (503, "application/problem+json")
    assert refused.get_json()["type"] == "/docs#problem-database-unavailable"
    assert refused.headers["Retry-After"] == "5"
    assert client.get("/v1/health/ready").get_json()["database"] == "writes fail"
    standby.promote()
    assert client.get(f"/v1/services/{AUTISM}").get_json()["wait_days"] == 30  # nothing was written
    assert client.patch(f"/v1/services/{AUTISM}", **change).status_code == 200
    assert client.get(f"/v1/services/{AUTISM}").get_json()["wait_days"] == 1


@pytest.fixture
def silent_postgres():
    """A TCP port that accepts connections and never says a word: a database host gone silent."""
    listener = socket.create_server(("127.0.0.1", 0))
    yield f"postgresql+psycopg://postgres@127.0.0.1:{listener.getsockname()[1]}/referral"
    listener.close()


def test_a_database_host_gone_silent_is_a_503_in_seconds_not_a_hung_worker(silent_postgres):
    app = create_app(
        {"ENV": "test", "DATABASE_URL": silent_postgres, "ADMIN_KEY": ADMIN_KEY, "INDEX_BUILD_IN_BACKGROUND": False}
    )
    lost = app.test_client().get(f"/v1/services/{AUTISM}")  # hangs for minutes without a connect timeout
    assert (lost.status_code, lost.mimetype, lost.headers["Retry-After"]) == (503, "application/problem+json", "5")
    app.extensions["referral.db"].engine.dispose()


def test_a_pool_with_every_connection_busy_past_its_timeout_is_a_503_not_a_500(app, client):
    with app.app_context():
        engine = get_db().engine

    def exhausted(*_args):
        raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00")

    event.listen(engine, "checkout", exhausted)
    busy = client.get(f"/v1/services/{AUTISM}")
    event.remove(engine, "checkout", exhausted)
    assert (busy.status_code, busy.mimetype, busy.headers["Retry-After"]) == (503, "application/problem+json", "5")
    assert client.get("/v1/health/ready").status_code == 200
