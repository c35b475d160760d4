"""Rate limits, body limits, the access log, and that a match leaves no trace of the child."""

from __future__ import annotations

import logging
import os

import pytest
from limits.storage import MemoryStorage
from sqlalchemy import select

from referral import matchmaking
from referral.app import create_app
from referral.db import Base, get_db
from referral.seeding import stable_id
from tests.builders import change, seed_mini
from tests.conftest import ADMIN_KEY, _wipe, get_engine

MATCH = {
    "location": {"place": "T1"},
    "child": {"age": 9, "groups": ["migrant"]},
    "needs": [{"code": "development.autism", "severity": 3}],
}


@pytest.fixture
def limited_app(database_url):
    def make(**limits: str):
        app = create_app(
            {
                "ENV": "test",
                "DATABASE_URL": database_url,
                "ADMIN_KEY": ADMIN_KEY,
                "RATELIMIT_PER_ADDRESS": "1000 per minute",
                "RATELIMIT_PER_KEY": "1000 per minute",
                **limits,
            }
        )
        made.append(app)
        return app

    made: list = []
    yield make
    for app in made:
        _wipe(app)
        get_engine(app).dispose()


def test_an_address_over_its_limit_gets_a_429_problem_with_retry_after(limited_app):
    client = limited_app(RATELIMIT_PER_ADDRESS="3 per minute").test_client()
    answers = [client.get("/v1/health") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[3].mimetype == "application/problem+json"
    assert int(answers[3].headers["Retry-After"]) > 0


def test_a_key_over_its_limit_gets_a_429_while_other_keys_go_on(limited_app, make_key):
    app = limited_app(RATELIMIT_PER_KEY="2 per minute")
    client, first, second = app.test_client(), make_key("social_worker"), make_key("case_app")
    assert [client.get("/v1/health", headers=first).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/v1/health", headers=second).status_code == 200
    limited = client.get("/v1/health", headers=first)
    assert limited.get_json()["detail"] == "This key is limited to 2 per 1 minute."
    assert int(limited.headers["Retry-After"]) > 0


@pytest.mark.skipif(
    not os.environ.get("REFERRAL_TEST_REDIS_URL"),
    reason="set REFERRAL_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to test shared limits",
)
def test_workers_sharing_redis_share_one_limit(limited_app):
    url = os.environ["REFERRAL_TEST_REDIS_URL"]
    import redis

    with redis.Redis.from_url(url) as connection:
        connection.flushdb()
    limits = {"RATELIMIT_STORAGE_URI": url, "RATELIMIT_PER_ADDRESS": "3 per minute"}
    apps = [limited_app(**limits), limited_app(**limits)]
    worker_a, worker_b = (a.test_client() for a in apps)
    try:
        codes = [
            worker_a.get("/v1/health").status_code,
            worker_b.get("/v1/health").status_code,
            worker_a.get("/v1/health").status_code,
            worker_b.get("/v1/health").status_code,
        ]
    finally:  # the workers' connections to Redis, closed here rather than by the garbage collector
        for each in apps:
            each.extensions["referral.limiter"]._storage.storage.connection_pool.disconnect()
    assert codes == [200, 200, 200, 429]


def test_list_lengths_and_page_sizes_are_bounded(client, admin_headers):
    assert client.get("/v1/services?per_page=101").status_code == 422
    too_many = {"name": "x", "kind": "ngo", "names": {f"l{i:02d}": "x" for i in range(21)}}
    assert client.post("/v1/organizations", json=too_many, headers=admin_headers).status_code == 422


def test_the_access_log_keeps_method_path_status_duration_and_key_only(app, client, worker_headers, caplog):
    seed_mini(app)
    with caplog.at_level(logging.INFO, logger="referral.access"):
        client.get("/v1/services?q=SECRETQUERY", headers=worker_headers)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "referral.access"]
    method, path, status, duration, actor = line.split(" ")
    assert (method, path, status) == ("GET", "/v1/services", "200")
    assert duration.endswith("ms") and actor.startswith("key:")
    assert "SECRETQUERY" not in caplog.text


def test_a_match_leaves_its_sentinel_in_no_table_log_or_response(app, client, worker_headers, caplog):
    seed_mini(app)
    sentinel = "SENTINEL-c41d"
    body = {
        **MATCH,
        "notes": f"孩子有自闭症，{sentinel}",
        "needs": [{"text": f"家庭教育指导 {sentinel}"}, {"code": "development.autism", "severity": 3}],
    }
    with caplog.at_level(logging.DEBUG):
        ok = client.post("/v1/match", json=body, headers=worker_headers)
        bad = client.post("/v1/match", json={**body, "child": {"age": 99}}, headers=worker_headers)
        place = client.post("/v1/match", json={**body, "location": {"place": sentinel}}, headers=worker_headers)
        text = client.post("/v1/match", json={**body, "needs": [{"text": sentinel}]}, headers=worker_headers)
    assert [r.status_code for r in (ok, bad, place, text)] == [
        200,
        422,
        422,
        200,
    ]  # a text not understood is answered, not refused
    assert ok.headers["Cache-Control"] == "no-store"
    for response in (ok, bad, place, text):
        assert sentinel not in response.get_data(as_text=True)
    assert sentinel not in caplog.text
    with app.app_context(), get_db().session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                assert sentinel not in str(tuple(row)), table.name


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_edit_reaches_matching_once_the_check_interval_has_passed(app, client, worker_headers, admin_headers):
    seed_mini(app)
    clock = FakeClock()
    app.extensions["referral.index"] = matchmaking.IndexCache(app.extensions["referral.db"], 1.0, clock=clock)
    autism = stable_id("service", "east-autism")

    def ids() -> list[str]:
        answer = client.post("/v1/match", json=MATCH, headers=worker_headers).get_json()
        return [r["service"]["id"] for r in answer["results"]]

    assert ids() == [autism]
    change(client, "PATCH", f"/v1/services/{autism}", admin_headers, json={"capacity": "full", "wait_days": None})
    clock.now = 0.5
    assert ids() == [autism]  # within the interval the worker has not looked yet
    clock.now = 1.0
    assert ids() == []  # at the interval it sees the new version and rebuilds


def test_the_per_address_limit_counts_every_route_together(limited_app):
    client = limited_app(RATELIMIT_PER_ADDRESS="3 per minute").test_client()
    codes = [client.get(url).status_code for url in ("/v1/health", "/v1/needs", "/v1/places", "/v1/services")]
    assert codes == [200, 200, 200, 429]


def test_retry_after_is_sent_only_with_a_429(limited_app):
    client = limited_app(RATELIMIT_PER_ADDRESS="1 per minute").test_client()
    allowed, refused = client.get("/v1/health"), client.get("/v1/needs")
    assert (allowed.status_code, refused.status_code) == (200, 429)
    assert "Retry-After" not in allowed.headers
    assert int(refused.headers["Retry-After"]) > 0


def test_counting_requests_in_memory_starts_no_thread_per_request(limited_app):
    import threading
    import time

    app = limited_app()
    client = app.test_client()
    assert type(app.extensions["referral.limiter"].limiter.storage).__name__ == "SweptMemoryStorage"
    client.get("/v1/health")
    before = threading.active_count()
    for _ in range(5):
        time.sleep(0.02)  # longer than the stock storage's 10 ms sweep timer, which restarts per request
        assert client.get("/v1/health").status_code == 200
    assert threading.active_count() == before


class _DownStorage(MemoryStorage):
    """A shared limit store that cannot be reached (Redis down): every call fails as redis-py's would.
    ``fails`` says which counters fail: all of them, or only the keys' (the store went down mid-request)."""

    STORAGE_SCHEME = ["referraltest+down", "referraltest+keysdown"]  # limits registers storages by scheme

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.only_keys = bool(uri and uri.startswith("referraltest+keysdown"))

    def _down(self, key: str) -> None:
        if not self.only_keys or "/key/" in key:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        self._down(key)
        return super().incr(key, expiry, amount)

    def get(self, key: str) -> int:
        self._down(key)
        return super().get(key)

    def get_expiry(self, key: str) -> float:
        self._down(key)
        return super().get_expiry(key)

    def check(self) -> bool:
        return self.only_keys


def test_an_unreachable_limit_store_fails_no_request_and_its_limits_hold_in_memory(limited_app, make_key, caplog):
    app = limited_app(RATELIMIT_STORAGE_URI="referraltest+down://", RATELIMIT_PER_ADDRESS="4 per minute")
    seed_mini(app)
    client, key = app.test_client(), make_key("social_worker")
    with caplog.at_level(logging.WARNING):
        codes = [client.get("/v1/health").status_code for _ in range(2)]
        answer = client.post("/v1/match", json=MATCH, headers=key)
        codes += [answer.status_code, client.get("/v1/health").status_code]
        refused = client.get("/v1/health")
    assert codes == [200, 200, 200, 200]
    assert [r["service"]["id"] for r in answer.get_json()["results"]] == [stable_id("service", "east-autism")]
    assert (refused.status_code, refused.mimetype) == (429, "application/problem+json")  # counted in memory
    warnings = [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [("flask-limiter", "Rate limit storage unreachable - falling back to in-memory storage")]


def test_a_store_failing_on_a_keys_count_lets_the_request_through_and_says_so_once_a_minute(
    limited_app, make_key, caplog, monkeypatch
):
    from referral.api import limits

    monkeypatch.setattr(limits, "_STORE_ERRORS", limits._Throttled("referral.limits"))  # none said yet
    app = limited_app(RATELIMIT_STORAGE_URI="referraltest+keysdown://", RATELIMIT_PER_KEY="1 per minute")
    client, key = app.test_client(), make_key("social_worker")
    with caplog.at_level(logging.WARNING, logger="referral.limits"):
        codes = [client.get("/v1/health", headers=key).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    (warning,) = [r.getMessage() for r in caplog.records if r.name == "referral.limits"]
    assert warning.startswith("per-key limit not counted, the rate-limit store failed: ConnectionError(")


def test_the_liveness_probe_is_never_limited_nor_counted_but_a_key_it_carries_is_checked(limited_app, make_key):
    app = limited_app(RATELIMIT_PER_ADDRESS="2 per minute", RATELIMIT_PER_KEY="1 per minute")
    client, key = app.test_client(), make_key("social_worker")
    probes = [client.get("/v1/health/live", headers=key) for _ in range(5)]
    assert [p.status_code for p in probes] == [200] * 5
    assert not any("X-RateLimit-Remaining" in p.headers for p in probes)
    assert [client.get("/v1/health").status_code for _ in range(3)] == [200, 200, 429]  # the probes took none
    assert client.get("/v1/health/live").status_code == 200  # the address spent: the probe still answers
    wrong = {"Authorization": "Bearer not-a-key-of-this-service"}
    assert client.get("/v1/health/live", headers=wrong).status_code == 401


def test_the_api_document_lists_a_429_for_every_operation_but_the_liveness_probe(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    answers = {
        (path, method): set(operation["responses"])
        for path, methods in paths.items()
        for method, operation in methods.items()
        if isinstance(operation, dict) and "responses" in operation
    }
    unlimited = sorted(at for at, statuses in answers.items() if "429" not in statuses)
    assert unlimited == [("/v1/health/live", "get")]
