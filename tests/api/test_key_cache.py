"""Key checks come from a short in-process cache: one database read per key per second, revocations
seen by this worker at once and by every other worker within the cache's time."""

from __future__ import annotations

from sqlalchemy import event, update

from referral.api.keycache import KeyCache
from referral.db import get_db
from referral.models import ApiKey
from referral.policy import Principal

WORKER = Principal(actor="key:abcd1234", role="social_worker", account_id="a1", key_id="k1")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _count_key_reads(app) -> list[str]:
    reads: list[str] = []
    with app.app_context():
        engine = get_db().engine

    @event.listens_for(engine, "before_cursor_execute")
    def seen(_conn, _cursor, statement, *_args):
        if "api_keys" in statement and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    return reads


def test_a_cached_key_is_trusted_for_its_time_and_checked_again_after():
    clock = Clock()
    cache = KeyCache(1.0, clock)
    cache.put("rk_abcd1234_secret", WORKER)
    clock.now = 0.999
    assert cache.get("rk_abcd1234_secret") == WORKER
    clock.now = 1.0
    assert cache.get("rk_abcd1234_secret") is None


def test_a_cache_holds_no_key_in_plain_and_forgets_everything_on_clear():
    cache = KeyCache(1.0, Clock())
    cache.put("rk_abcd1234_secret", WORKER)
    assert "rk_abcd1234_secret" not in repr(cache.__dict__)
    cache.clear()
    assert cache.get("rk_abcd1234_secret") is None


def test_repeated_requests_with_one_key_read_the_key_table_once(app, client, make_key):
    app.extensions["referral.keys"] = KeyCache(1.0, Clock())  # time stands still: no flake on a slow machine
    headers = make_key("social_worker")
    reads = _count_key_reads(app)
    answers = [client.get("/v1/health/live", headers=headers).status_code for _ in range(5)]
    assert answers == [200] * 5 and len(reads) == 1


def test_a_key_revoked_by_another_worker_is_refused_once_the_cache_time_has_passed(app, client, make_key):
    clock = Clock()
    app.extensions["referral.keys"] = KeyCache(1.0, clock)
    headers = make_key("social_worker")
    assert client.get("/v1/health/live", headers=headers).status_code == 200
    with app.app_context(), get_db().session(write=True) as session:  # another worker's revocation
        session.execute(update(ApiKey).values(revoked_at=ApiKey.created_at))
        session.commit()
    clock.now = 0.5
    assert client.get("/v1/health/live", headers=headers).status_code == 200
    clock.now = 1.0
    assert client.get("/v1/health/live", headers=headers).status_code == 401


def test_an_invalid_key_is_never_cached(app, client, make_key):
    headers = make_key("social_worker")
    wrong = {"Authorization": headers["Authorization"][:-2] + "xx"}
    assert [client.get("/v1/health/live", headers=wrong).status_code for _ in range(2)] == [401, 401]
    assert client.get("/v1/health/live", headers=headers).status_code == 200


def test_matches_are_posts_that_write_nothing_and_keep_the_cache(app, client, make_key):
    app.extensions["referral.keys"] = KeyCache(1.0, Clock())  # time stands still: no flake on a slow machine
    headers = make_key("social_worker")
    reads = _count_key_reads(app)
    body = {"location": {"lat": 31.3, "lon": 120.6}, "child": {"age": 9}, "needs": [{"code": "x", "severity": 1}]}
    codes = [client.post("/v1/match", json=body, headers=headers).status_code for _ in range(3)]
    assert len(set(codes)) == 1 and len(reads) == 1
