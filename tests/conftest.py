"""Shared fixtures: the database backends, the app, its test client and CLI runner.

Every test that takes ``app`` runs once per backend: SQLite always, PostgreSQL too when
REFERRAL_TEST_POSTGRES_URL is set (``.ci/run`` sets it). Each backend gets a fresh database (a
temporary SQLite file, or a PostgreSQL schema of its own) migrated once; every test then starts
from an empty directory.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, text, update
from sqlalchemy.engine import make_url

from referral import migrate
from referral.app import create_app
from referral.db import Base, get_db, make_engine
from referral.models import DirectoryState

POSTGRES_URL = os.environ.get("REFERRAL_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
ADMIN_KEY = "test-admin-key-0123456789"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database for this backend, for the whole session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'referral.db'}"
        _migrate(url)
        yield url
        return
    schema = f"referral_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    url_text = url.render_as_string(hide_password=False)
    _migrate(url_text)
    yield url_text
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _migrate(url: str) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()


@pytest.fixture
def app(database_url: str, request: pytest.FixtureRequest):
    """The app on an empty directory of the current backend (plus a test's ``@pytest.mark.config({...})``)."""
    marker = request.node.get_closest_marker("config")
    application = create_app(
        {
            "ENV": "test",
            "DATABASE_URL": database_url,
            "ADMIN_KEY": ADMIN_KEY,
            "INDEX_CHECK_SECONDS": 0,
            "INDEX_BUILD_IN_BACKGROUND": False,
            "RATELIMIT_PER_ADDRESS": "100000 per minute",
            "RATELIMIT_PER_KEY": "100000 per minute",
            **(marker.args[0] if marker else {}),
        }
    )
    yield application
    _wipe(application)
    get_engine(application).dispose()


def get_engine(application):
    with application.app_context():
        return get_db().engine


def _wipe(application) -> None:
    """Empty every table and reset the version, children first."""
    engine = get_engine(application)
    with engine.begin() as connection:
        _allow_audit_deletes(connection, True)
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != DirectoryState.__tablename__:
                connection.execute(delete(table))
        connection.execute(update(DirectoryState).values(version=0))
        _allow_audit_deletes(connection, False)


def _allow_audit_deletes(connection, allow: bool) -> None:
    """The audit trail refuses DELETE (migration 0008); tests lift that inside their wipe's transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(f"ALTER TABLE audit_events {'DISABLE' if allow else 'ENABLE'} TRIGGER audit_events_no_delete")
        )
    elif allow:
        connection.execute(text("DROP TRIGGER audit_events_no_delete"))
    else:
        connection.execute(
            text(
                "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )
        )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture
def make_key(app):
    """Create an account with ``role`` (and organization) and return Authorization headers for a new key."""
    from referral import accounts
    from referral.policy import CLI

    def make(role: str, organization_id: str | None = None, expires_in_days: int | None = None) -> dict[str, str]:
        with app.app_context(), get_db().session(write=True) as session:
            account = accounts.create_account(
                session, CLI, {"name": f"test {role}", "role": role, "organization_id": organization_id}
            )
            _key, plain = accounts.issue_key(session, CLI, account.id, expires_in_days)
        return {"Authorization": f"Bearer {plain}"}

    return make


@pytest.fixture
def worker_headers(make_key):
    """A social worker's key: may match and read."""
    return make_key("social_worker")
