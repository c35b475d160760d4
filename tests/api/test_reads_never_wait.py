"""Reads never wait on writes: while another connection holds the write lock (an import, any
writer), a match — its key check included — and directory reads answer at once, without 503."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.builders import seed_mini

MATCH = {"location": {"place": "T1"}, "child": {"age": 9, "groups": ["migrant"]},
         "needs": [{"code": "development.autism", "severity": 3}]}


@contextmanager
def writer_holding_the_lock(database_url: str):  # noqa: ANN201
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
        app, client, worker_headers, database_url):
    seed_mini(app)
    assert client.post("/v1/match", json=MATCH, headers=worker_headers).status_code == 200  # index built
    with writer_holding_the_lock(database_url):
        match = client.post("/v1/match", json=MATCH, headers=worker_headers)
        services = client.get("/v1/services", headers=worker_headers)
        needs = client.get("/v1/needs")
    assert (match.status_code, services.status_code, needs.status_code) == (200, 200, 200)
    assert match.get_json()["results"][0]["service"]["name"] == "Autism rehabilitation"
