"""Changes without rebuilds: every write logs the services it changed in its own transaction, a
worker's index applies just those, and a rebuild runs aside while the old index keeps serving."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from referral import matchmaking, snapshot
from referral.db import get_db
from referral.matching import scoring
from referral.models import DirectoryChange, NeedTerm
from referral.seeding import stable_id
from tests.builders import change, seed_mini

AUTISM = stable_id("service", "east-autism")
COUNSELLING = stable_id("service", "east-counselling")
EAST_OFFICE = stable_id("site", "east-care-office")
EAST = stable_id("organization", "east-care")


def _log(app) -> list[tuple[int, list[str] | None]]:
    with app.app_context(), get_db().session() as session:
        return [
            tuple(r)
            for r in session.execute(
                select(DirectoryChange.version, DirectoryChange.service_ids).order_by(DirectoryChange.version)
            )
        ]


def _fresh(app):
    with app.app_context(), get_db().session() as session:
        return snapshot.load(session)


@pytest.fixture
def seeded(app):
    seed_mini(app)
    return app


def test_seeding_logs_a_full_change_and_a_service_edit_names_only_that_service(seeded, client, admin_headers):
    change(client, "PATCH", f"/v1/services/{AUTISM}", admin_headers, json={"wait_days": None, "capacity": "full"})
    assert _log(seeded) == [(1, None), (2, [AUTISM])]


def test_a_site_edit_names_the_services_offered_there_and_an_organization_edit_its_services(
    seeded, client, admin_headers
):
    change(client, "PATCH", f"/v1/sites/{EAST_OFFICE}", admin_headers, json={"phone": "0512-1234"})
    change(client, "PATCH", f"/v1/organizations/{EAST}", admin_headers, json={"name": "East Care Centre"})
    assert _log(seeded)[1:] == [(2, sorted([AUTISM, COUNSELLING])), (3, sorted([AUTISM, COUNSELLING]))]


def test_an_edit_reaches_the_index_as_a_delta_equal_to_a_full_reload(seeded, client, admin_headers):
    cache = matchmaking.IndexCache(seeded.extensions["referral.db"], 0)
    cache.current()
    change(client, "PATCH", f"/v1/services/{AUTISM}", admin_headers, json={"wait_days": None, "capacity": "full"})
    change(client, "DELETE", f"/v1/services/{COUNSELLING}", admin_headers)
    index = cache.current()
    assert (cache.builds, cache.deltas) == (1, 1)
    assert index.services == _fresh(seeded).services and index.version == "3"
    assert [s.capacity for s in index.services if s.id == AUTISM] == ["full"]
    assert COUNSELLING not in [s.id for s in index.services]


def test_each_update_after_the_first_build_is_logged_with_how_it_was_made_and_its_times(
    seeded, client, admin_headers, caplog
):
    cache = matchmaking.IndexCache(seeded.extensions["referral.db"], 0)
    cache.current()
    caplog.set_level("INFO", logger="referral.matchmaking")
    change(client, "PATCH", f"/v1/services/{AUTISM}", admin_headers, json={"wait_days": None, "capacity": "full"})
    cache.current()
    (record,) = [r for r in caplog.records if r.name == "referral.matchmaking"]  # not the first build: the worker's
    assert record.getMessage().startswith("match index of version 2 by a delta in ")
    message = record.getMessage()
    assert "(read " in message and " s, made " in message and " s, prepared " in message
    assert AUTISM not in record.getMessage()  # times and a version: nothing of the directory's content


def test_a_restored_service_comes_back_through_a_delta(seeded, client, admin_headers):
    change(client, "DELETE", f"/v1/services/{COUNSELLING}", admin_headers)
    cache = matchmaking.IndexCache(seeded.extensions["referral.db"], 0)
    cache.current()
    change(client, "POST", f"/v1/services/{COUNSELLING}/restore", admin_headers)
    assert COUNSELLING in [s.id for s in cache.current().services]
    assert (cache.builds, cache.deltas) == (1, 1) and cache.current().services == _fresh(seeded).services


def test_a_taxonomy_change_is_reloaded_whole(seeded):
    cache = matchmaking.IndexCache(seeded.extensions["referral.db"], 0)
    cache.current()
    with seeded.app_context(), get_db().session(write=True) as session:
        term = session.scalars(select(NeedTerm).order_by(NeedTerm.code)).first()
        term.labels = {**term.labels, "en": "renamed"}
        session.commit()  # bumps the version itself (referral.versioning)
    assert _log(seeded)[-1] == (2, None)
    cache.current()
    assert (cache.builds, cache.deltas) == (2, 0) and cache.current().services == _fresh(seeded).services


def test_a_request_during_an_update_is_answered_at_once_by_the_old_index(seeded, client, admin_headers):
    gate, jobs = threading.Event(), []

    def start(job):
        jobs.append(threading.Thread(target=lambda: (gate.wait(30), job())))
        jobs[-1].start()

    cache = matchmaking.IndexCache(seeded.extensions["referral.db"], 0, start=start)
    before = cache.current()
    change(client, "PATCH", f"/v1/services/{AUTISM}", admin_headers, json={"wait_days": None, "capacity": "full"})
    during = [cache.current() for _ in range(3)]  # would block until the gate's timeout if they waited
    gate.set()
    jobs[0].join()
    assert [i is before for i in during] == [True, True, True] and len(jobs) == 1
    assert cache.current().version == "2" and cache.deltas == 1


def test_a_serving_worker_applies_an_edit_in_its_own_thread_before_any_request_asks(seeded, client, admin_headers):
    import gc
    import time

    cache = matchmaking.IndexCache(seeded.extensions["referral.db"], 0.01, start=matchmaking.run_in_background)
    try:
        before = cache.warm()
        change(client, "PATCH", f"/v1/services/{AUTISM}", admin_headers, json={"wait_days": None, "capacity": "full"})
        deadline = time.monotonic() + 30
        while cache._index is before and time.monotonic() < deadline:
            time.sleep(0.01)
        assert cache._index.version == "2" and (cache.builds, cache.deltas) == (1, 1)
        assert cache._index.services == _fresh(seeded).services
    finally:
        cache.stop()
        gc.unfreeze()


def test_a_worker_builds_and_freezes_its_index_before_it_takes_traffic(seeded):
    import gc
    from types import SimpleNamespace

    from referral import serving

    cache = matchmaking.IndexCache(seeded.extensions["referral.db"], 60)
    seeded.extensions["referral.index"] = cache
    try:
        serving.post_worker_init(SimpleNamespace(wsgi=seeded, pid=1))
        assert cache.builds == 1 and gc.get_freeze_count() > 0
        assert len(cache.current().services) == 3 and cache.builds == 1
    finally:
        gc.unfreeze()


def test_each_new_index_is_prepared_before_it_serves_and_the_app_prepares_the_days_score_parts(
    seeded, client, admin_headers
):
    prepared = []
    cache = matchmaking.IndexCache(seeded.extensions["referral.db"], 0, prepare=prepared.append)
    first = cache.current()
    change(client, "PATCH", f"/v1/services/{AUTISM}", admin_headers, json={"wait_days": None, "capacity": "full"})
    second = cache.current()
    assert prepared == [first, second] and second is not first
    app_index = seeded.extensions["referral.index"].current()
    kept = scoring._ROW_PARTS.get(app_index.columns)  # the app's hook computed today's parts with the index
    assert kept is not None and len(kept) == 1


def test_a_serving_worker_hands_freed_pages_back_after_a_build_but_not_after_a_delta(
    seeded, client, admin_headers, monkeypatch
):
    import gc
    import time

    from referral import memory

    trims = []
    monkeypatch.setattr(memory, "trim", lambda: trims.append((cache.builds, cache.deltas)) or True)
    cache = matchmaking.IndexCache(seeded.extensions["referral.db"], 0.01, start=matchmaking.run_in_background)

    def settled(builds: int, deltas: int) -> None:
        deadline = time.monotonic() + 30
        while ((cache.builds, cache.deltas) != (builds, deltas) or cache._updating) and time.monotonic() < deadline:
            time.sleep(0.01)

    try:
        cache.warm()
        change(client, "PATCH", f"/v1/services/{AUTISM}", admin_headers, json={"wait_days": None, "capacity": "full"})
        settled(1, 1)
        with seeded.app_context(), get_db().session(write=True) as session:
            term = session.scalars(select(NeedTerm).order_by(NeedTerm.code)).first()
            term.labels = {**term.labels, "en": "renamed"}
            session.commit()  # a taxonomy change: a whole build
        settled(2, 1)
    finally:
        cache.stop()
        gc.unfreeze()
    # the first build (warm), none after the delta (its pages serve the next one), then the second build
    assert trims == [(1, 0), (2, 1)]


def test_after_a_build_a_serving_worker_frees_the_old_site_tables_in_pieces_and_after_a_delta_nothing(
    seeded, client, admin_headers, monkeypatch
):
    import gc
    import time

    from referral import memory

    monkeypatch.setattr(memory, "BIG", 1)  # the demo directory's tables are small: any size counts here
    freed: list[tuple[int, int, int]] = []  # (builds, deltas, items) of each container emptied in pieces
    real_release, real_dict = memory.release, memory._release_dict
    monkeypatch.setattr(
        memory,
        "release",
        lambda items, piece=memory.PIECE: (
            freed.append((cache.builds, cache.deltas, len(items))) or real_release(items, piece)
        ),
    )
    monkeypatch.setattr(
        memory,
        "_release_dict",
        lambda table, piece: freed.append((cache.builds, cache.deltas, len(table))) or real_dict(table, piece),
    )
    cache = matchmaking.IndexCache(seeded.extensions["referral.db"], 0.01, start=matchmaking.run_in_background)

    def settled(builds: int, deltas: int) -> None:
        deadline = time.monotonic() + 30
        while ((cache.builds, cache.deltas) != (builds, deltas) or cache._updating) and time.monotonic() < deadline:
            time.sleep(0.01)

    try:
        sites = cache.warm().gazetteer.names.sites.slots  # a query named a site: the tables are built
        services = len(cache.current().services)
        freed.clear()
        change(client, "PATCH", f"/v1/services/{AUTISM}", admin_headers, json={"wait_days": None, "capacity": "full"})
        settled(1, 1)
        after_delta = list(freed)
        with seeded.app_context(), get_db().session(write=True) as session:
            term = session.scalars(select(NeedTerm).order_by(NeedTerm.code)).first()
            term.labels = {**term.labels, "en": "renamed"}
            session.commit()  # a taxonomy change: a whole build
        settled(2, 1)
    finally:
        cache.stop()
        gc.unfreeze()
    assert after_delta == []  # a delta's old index shares its tables with the new one: nothing to free
    # the build's snapshot (one service a row), then the old site tables: one entry a site, among others
    assert freed[0] == (2, 1, services)
    assert (2, 1, sites) in freed[1:]


def test_warm_rehearses_a_rename_and_a_site_move_on_copies_and_serves_the_index_it_built(seeded, monkeypatch):
    import gc

    rehearsed, prepared = [], []
    real = matchmaking.apply_changes

    def recording(index, version, changed, fresh):
        made = real(index, version, changed, fresh)
        rehearsed.append((version, sorted(changed), [s.name for s in fresh], [s.sites[0].lat for s in fresh]))
        return made

    monkeypatch.setattr(matchmaking, "apply_changes", recording)
    cache = matchmaking.IndexCache(seeded.extensions["referral.db"], 3600, prepare=prepared.append)
    try:
        index = cache.warm()
    finally:
        gc.unfreeze()
    first = index.services[0]
    assert rehearsed == [
        (index.version, [first.id], [f"{first.name} "], [first.sites[0].lat]),
        (index.version, [first.id], [first.name], [first.sites[0].lat + 1e-5]),
    ]
    assert cache.current() is index and (cache.builds, cache.deltas) == (1, 0)
    assert index.services[0] == first  # the index itself is never changed
    assert prepared[0] is index and len(prepared) == 3 and all(p.version == index.version for p in prepared)


def test_a_serving_worker_keeps_one_heap_before_it_builds_and_rehearses_after_the_trim(seeded, monkeypatch):
    import gc

    from referral import memory

    steps = []
    monkeypatch.setattr(memory, "one_arena", lambda: steps.append("one arena") or True)
    monkeypatch.setattr(memory, "trim", lambda: steps.append("trim") or True)
    real_build, real_apply = matchmaking.rebuild, matchmaking.apply_changes
    monkeypatch.setattr(matchmaking, "rebuild", lambda *a: steps.append("build") or real_build(*a))
    monkeypatch.setattr(matchmaking, "apply_changes", lambda *a: steps.append("rehearsal") or real_apply(*a))
    cache = matchmaking.IndexCache(seeded.extensions["referral.db"], 3600, start=matchmaking.run_in_background)
    try:
        cache.warm()
    finally:
        cache.stop()
        gc.unfreeze()
    # the rehearsal's freed pages stay for the first update; a worker that does not serve asks nothing
    assert steps == ["one arena", "build", "trim", "rehearsal", "rehearsal"]
    steps.clear()
    inline = matchmaking.IndexCache(seeded.extensions["referral.db"], 3600)
    try:
        inline.warm()
    finally:
        gc.unfreeze()
    assert steps == ["build", "trim", "rehearsal", "rehearsal"]


def test_a_failed_rehearsal_is_logged_and_the_worker_serves_anyway(seeded, monkeypatch, caplog):
    import gc

    def failing(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr(matchmaking, "apply_changes", failing)
    cache = matchmaking.IndexCache(seeded.extensions["referral.db"], 3600)
    try:
        index = cache.warm()
    finally:
        gc.unfreeze()
    assert cache.current() is index and len(index.services) > 0
    assert [r.getMessage() for r in caplog.records if r.name == "referral.matchmaking"] == [
        "match index update rehearsal failed"
    ]
