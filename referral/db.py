"""The database: engines and the session lifecycle (the declarative base is referral/models/base.py).

The engine and session factory are built inside the app factory (never at import time) and kept in
``app.extensions["referral.db"]``, or, for a command that needs only the database, by
``cli_context.Data`` (``build``; no app). One session per request lives on ``flask.g`` and is closed on
teardown. Write requests get a session whose transactions start with ``BEGIN IMMEDIATE`` on SQLite,
because deferred transactions that read then write fail with "database is locked" under concurrency.
Every other request — GETs, and POSTs declared read-only such as a match — gets a read session: a
deferred ``BEGIN`` on SQLite (in WAL mode a reader never waits for the writer) and a READ ONLY
transaction on PostgreSQL.
Models and use cases receive a session; they never open one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from referral import versioning  # noqa: F401 - registers the directory version bump on every Session
from referral.models.base import Base  # noqa: F401 - re-exported: db.Base is the models' base

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PG_CONNECT_TIMEOUT = 5  # seconds, unless the URL sets connect_timeout
SQLITE_LOST = ("readonly database", "disk i/o error", "unable to open database file")


@dataclass
class Database:
    """The engine and the two session factories (reads, writes) of one app."""

    engine: Engine
    reads: sessionmaker[Session]
    writes: sessionmaker[Session]

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """A session outside a request (CLI, seeding): commits nothing by itself."""
        factory = self.writes if write else self.reads
        with factory() as session:
            yield session


def make_engine(url: str, echo: bool = False) -> Engine:
    """An engine with the pragmas and transaction behaviour this project relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30}, pool_pre_ping=True)
        _configure_sqlite(engine)
        return engine
    # A database host that vanished (no refusal, just silence) must fail a request in seconds, not
    # after the operating system's TCP timeout of minutes: gunicorn would kill the worker first.
    connect_args = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": PG_CONNECT_TIMEOUT}
    engine = create_engine(url, echo=echo, pool_pre_ping=True, connect_args=connect_args)
    # An executemany INSERT (the HSDS import's bulk UPSERT batches) as multi-row VALUES statements of
    # 1,000 rows, not one statement per row: as psycopg2's dialect does by default; about 15 % off a
    # PostgreSQL import's time (bench/scale_bench.py).
    engine.dialect.use_insertmanyvalues_wo_returning = True
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")  # ms: wait for a writer rather than fail
        cursor.close()

    @event.listens_for(engine, "handle_error")
    def on_error(context):
        # A connection opened while the file was read-only (or the disk failed) stays that way: treat
        # it as lost, so the pool drops every such connection and the next request reopens read-write.
        message = str(context.original_exception).lower()
        if any(sign in message for sign in SQLITE_LOST):
            context.is_disconnect = True

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        immediate = conn.get_execution_options().get("referral_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def build(url: str, echo: bool = False) -> Database:
    """A Database for ``url``; writes on SQLite take the write lock up front. Its sessions bump the
    directory version as they commit a change (referral.versioning registers that on import)."""
    engine = make_engine(url, echo)
    write_engine = engine.execution_options(referral_write=True)
    read_engine = engine.execution_options(postgresql_readonly=True) if engine.dialect.name == "postgresql" else engine
    return Database(
        engine=engine,
        reads=sessionmaker(read_engine, expire_on_commit=False),
        writes=sessionmaker(write_engine, expire_on_commit=False),
    )


def init_app(app: Flask, database: Database) -> None:
    app.extensions["referral.db"] = database
    app.teardown_appcontext(_close_session)


def get_db() -> Database:
    return current_app.extensions["referral.db"]


def get_session() -> Session:
    """The request's session: a write session for write methods, a read session otherwise."""
    if "db_session" not in g:
        write = has_request_context() and _request_writes()
        database = get_db()
        g.db_session = (database.writes if write else database.reads)()
    return g.db_session


def _request_writes() -> bool:
    if request.method not in WRITE_METHODS:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "referral_read_only", False)


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        try:
            session.close()
        except Exception:
            logging.getLogger(__name__).warning("closing a session failed; the pool discards its connection")
