"""The rate-limit file that `referral serve`'s workers share: one exact count, expiry, fail open."""

from __future__ import annotations

import logging
import multiprocessing

import pytest
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from referral.api.limit_store import SQLiteLimitStorage
from referral.app import create_app
from tests.api.test_gunicorn_limits import _free_port, _wait_until_it_answers, exchange, start_serve
from tests.conftest import ADMIN_KEY, _migrate, _wipe, get_engine


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


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _hit_fifteen_times(uri: str, start, answers) -> None:
    limiter = FixedWindowRateLimiter(SQLiteLimitStorage(uri))
    start.wait()
    answers.extend([limiter.hit(parse("10 per minute"), "one client") for _ in range(15)])


def test_two_processes_hitting_one_limit_together_are_allowed_exactly_the_limit(tmp_path):
    uri = f"referral+sqlite:///{tmp_path / 'limits.sqlite3'}"
    context = multiprocessing.get_context("fork")
    with context.Manager() as manager:
        start, answers = manager.Barrier(2), manager.list()
        workers = [context.Process(target=_hit_fifteen_times, args=(uri, start, answers)) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        assert [worker.exitcode for worker in workers] == [0, 0]
        assert (list(answers).count(True), list(answers).count(False)) == (10, 20)


def test_two_app_instances_on_one_file_refuse_the_eleventh_request_whichever_serves_it(limited_app, tmp_path):
    limits = {
        "RATELIMIT_STORAGE_URI": f"referral+sqlite:///{tmp_path / 'limits.sqlite3'}",
        "RATELIMIT_PER_ADDRESS": "10 per minute",
    }
    worker_a, worker_b = limited_app(**limits).test_client(), limited_app(**limits).test_client()
    codes = [(worker_a if i % 3 else worker_b).get("/v1/health").status_code for i in range(10)]
    assert codes == [200] * 10
    assert [worker_a.get("/v1/health").status_code, worker_b.get("/v1/health").status_code] == [429, 429]


def test_two_app_instances_on_one_file_share_a_keys_limit(limited_app, make_key, tmp_path):
    limits = {
        "RATELIMIT_STORAGE_URI": f"referral+sqlite:///{tmp_path / 'limits.sqlite3'}",
        "RATELIMIT_PER_KEY": "3 per minute",
    }
    headers = make_key("social_worker")
    worker_a, worker_b = limited_app(**limits).test_client(), limited_app(**limits).test_client()
    codes = [
        client.get("/v1/health", headers=headers).status_code for client in (worker_a, worker_b, worker_b, worker_a)
    ]
    assert codes == [200, 200, 200, 429]


def test_a_count_starts_again_when_its_window_has_passed(tmp_path):
    storage = SQLiteLimitStorage(f"referral+sqlite:///{tmp_path / 'limits.sqlite3'}")
    storage.clock = FakeClock(1000.0)
    limiter, item = FixedWindowRateLimiter(storage), parse("2 per 10 seconds")
    assert [limiter.hit(item, "a") for _ in range(3)] == [True, True, False]
    assert limiter.get_window_stats(item, "a") == (1010.0, 0)
    storage.clock.now = 1009.9
    assert limiter.hit(item, "a") is False
    storage.clock.now = 1010.0
    assert [limiter.hit(item, "a") for _ in range(3)] == [True, True, False]
    assert limiter.get_window_stats(item, "a") == (1020.0, 0)


def test_expired_counters_are_pruned_from_the_file(tmp_path):
    storage = SQLiteLimitStorage(f"referral+sqlite:///{tmp_path / 'limits.sqlite3'}")
    storage.clock = FakeClock(1000.0)
    storage.incr("old", 10)
    storage.clock.now = 1000.0 + storage.PRUNE_SECONDS
    storage.incr("new", 10)
    keys = [key for (key,) in storage._connection().execute("SELECT key FROM counters ORDER BY key")]
    assert keys == ["new"]


def test_a_broken_limit_file_lets_every_request_through_and_is_logged_once(limited_app, tmp_path, caplog):
    broken = tmp_path / "limits.sqlite3"
    broken.write_bytes(b"this is not an SQLite database" * 100)
    client = limited_app(
        RATELIMIT_STORAGE_URI=f"referral+sqlite:///{broken}", RATELIMIT_PER_ADDRESS="1 per minute"
    ).test_client()
    with caplog.at_level(logging.WARNING, logger="referral.limits"):
        codes = [client.get("/v1/health").status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    (warning,) = [r.getMessage() for r in caplog.records if r.name == "referral.limits"]
    assert warning.startswith(f"rate-limit store {broken} unusable, limits not enforced: ")


def test_referral_serves_two_workers_refuse_the_eleventh_request_from_one_address(tmp_path):
    url = f"sqlite:///{tmp_path / 'referral.db'}"
    _migrate(url)
    port = _free_port()
    server = start_serve(
        url,
        port,
        "--workers",
        "2",
        "--threads",
        "2",
        REFERRAL_RATELIMIT_PER_ADDRESS="10 per minute",
        REFERRAL_RATELIMIT_STORAGE_URI=f"referral+sqlite:///{tmp_path / 'limits.sqlite3'}",
    )
    try:
        _wait_until_it_answers(port, server)  # the liveness probe: counted against no limit
        counted = b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        codes = [exchange(port, counted, timeout=60)[9:12] for _ in range(12)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert codes == [b"200"] * 10 + [b"429"] * 2


def _hit_once(storage: SQLiteLimitStorage, answers) -> None:
    answers.append(storage.incr("forked", 60))


def test_a_forked_worker_counts_on_its_own_connection_in_the_same_count(tmp_path):
    storage = SQLiteLimitStorage(f"referral+sqlite:///{tmp_path / 'limits.sqlite3'}")
    assert storage.incr("forked", 60) == 1  # the parent opens its connection before the fork
    context = multiprocessing.get_context("fork")
    with context.Manager() as manager:
        answers = manager.list()
        child = context.Process(target=_hit_once, args=(storage, answers))
        child.start()
        child.join(30)
        assert (child.exitcode, list(answers)) == (0, [2])
    assert storage.incr("forked", 60) == 3
