"""/v1/health answers from the worker's index: between version checks it touches no database."""

from __future__ import annotations

from sqlalchemy import event

from referral import matchmaking
from referral.db import get_db
from tests.builders import seed_mini


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_health_between_checks_runs_no_query_and_reports_the_index(app, client):
    seed_mini(app)
    clock = Clock()
    app.extensions["referral.index"] = matchmaking.IndexCache(app.extensions["referral.db"], 1.0, clock=clock)
    first = client.get("/v1/health").get_json()
    statements: list[str] = []
    with app.app_context():
        event.listen(get_db().engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    clock.now = 0.9
    again = [client.get("/v1/health").get_json() for _ in range(3)]
    assert statements == [] and again == [first] * 3
    assert first["directory"] == {"loaded": True, "active_services": 3, "version": 1}
    clock.now = 1.0
    client.get("/v1/health")
    assert [s.split()[:2] for s in statements if s != "BEGIN"] == [["SELECT", "directory_state.version"]]
