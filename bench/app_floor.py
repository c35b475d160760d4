"""Match latency through the whole app, beside the app's floor (a trivial JSON endpoint).

Builds the real app (factory, access log, rate limiter, authentication with a real key in the
database, schema validation, presenter) on a temporary SQLite file, installs a synthetic index as
the worker's current index, and times ``POST /v1/match`` and ``GET /bench/hello`` with the Flask
test client in this process. The difference is what matching costs a case app's screen.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from referral import accounts, migrate
from referral.app import create_app
from referral.db import get_db
from referral.matching.index import DirectoryIndex
from referral.matching.types import MatchQuery
from referral.policy import CLI

WEEKDAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")


class FixedIndex:
    """Stands in for the worker's IndexCache: always this index, no database check."""

    def __init__(self, index: DirectoryIndex):
        self.index = index

    def current(self) -> DirectoryIndex:
        return self.index


def make_app(index: DirectoryIndex, folder: Path) -> tuple[Any, dict[str, str]]:
    """The app on an empty migrated database, serving ``index``, and a social worker's key."""
    app = create_app(
        {
            "ENV": "test",
            "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
            "RATELIMIT_ENABLED": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        migrate.upgrade(get_db().engine)
        with get_db().session(write=True) as session:
            account = accounts.create_account(session, CLI, {"name": "bench", "role": "social_worker"})
            _key, plain = accounts.issue_key(session, CLI, account.id)
    app.extensions["referral.index"] = FixedIndex(index)
    app.add_url_rule("/bench/hello", "bench_hello", lambda: {"hello": "world"})
    return app, {"Authorization": f"Bearer {plain}", "Accept-Language": "en"}


def body(query: MatchQuery) -> dict[str, Any]:
    """The JSON a case app would send for ``query``."""
    child, limits = query.child, query.constraints
    needs = [
        {"code": n.code, "severity": n.severity} if n.code else {"text": n.text, "severity": n.severity}
        for n in query.needs
    ]
    payload: dict[str, Any] = {
        "location": {"lat": query.location.lat, "lon": query.location.lon},
        "child": {"age": child.age, "groups": sorted(child.groups), "languages": sorted(child.languages)},
        "needs": needs,
        "limit": query.limit,
        "constraints": {"max_distance_km": limits.max_distance_km, "include_waitlisted": limits.include_waitlisted},
    }
    if child.gender:
        payload["child"]["gender"] = child.gender
    if limits.open_on is not None:
        payload["constraints"]["open_on"] = WEEKDAYS[limits.open_on]
    return payload


def measure(index: DirectoryIndex, queries: list[MatchQuery]) -> dict[str, list[float]]:
    """Seconds per request: the match endpoint, and the floor endpoint, over the same count."""
    with tempfile.TemporaryDirectory() as folder:
        app, headers = make_app(index, Path(folder))
        client = app.test_client()
        bodies = [body(q) for q in queries]
        for payload in bodies[:10]:  # warm up
            client.post("/v1/match", json=payload, headers=headers)
            client.get("/bench/hello", headers=headers)
        return {
            "match": _timed(lambda p: client.post("/v1/match", json=p, headers=headers), bodies),
            "floor": _timed(lambda _p: client.get("/bench/hello", headers=headers), bodies),
        }


def _timed(call, items) -> list[float]:
    seconds = []
    for item in items:
        start = time.perf_counter()
        response = call(item)
        seconds.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise RuntimeError(
                f"benchmark request failed: {response.status_code} {response.get_data(as_text=True)[:300]}"
            )
    return seconds
