"""A full rebuild in another process (referral.buildaside): the same index as a build here, one copy of the
services, arrays the worker may write, failures named and answered by building here; the first build,
before any request, and small directories' rebuilds made here."""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from referral import buildaside, matchmaking, snapshot
from referral.app import create_app
from referral.db import get_db
from referral.matching.delta import apply_changes
from referral.matching.engine import match
from referral.matching.index import build_index
from referral.matching.types import Child, Location, MatchQuery, NeedInput
from referral.models import NeedTerm
from tests.builders import seed_mini
from tests.conftest import ADMIN_KEY


@pytest.fixture
def seeded(app):
    seed_mini(app)
    return app


def _url(app) -> str:
    return app.extensions["referral.db"].engine.url.render_as_string(hide_password=False)


def _here(app):
    with app.app_context(), get_db().session() as session:
        return build_index(snapshot.load(session))


def _queries(index) -> list[MatchQuery]:
    """A query at every site of every service, for each need it lists (by code, and by its label for the
    text reader, built again after the trip), in both languages."""
    return [
        MatchQuery(Location(site.lat, site.lon), Child(age=9), (need,), language=language, today=date(2026, 12, 4))
        for service in index.services
        for site in service.sites
        for code in service.needs
        for language in ("en", "zh")
        for need in (NeedInput(code=code, severity=2), NeedInput(text=index.taxonomy.label(code, language), severity=2))
    ]


def test_an_index_built_in_another_process_answers_exactly_as_one_built_here(seeded):
    aside, read_s, build_s = buildaside.build_aside(_url(seeded))
    here = _here(seeded)
    assert aside.version == here.version and list(aside.services) == list(here.services)
    assert aside.taxonomy.codes == here.taxonomy.codes and aside.gazetteer.codes == here.gazetteer.codes
    assert np.array_equal(aside.nearby.keys, here.nearby.keys) and np.array_equal(aside.sites.lat, here.sites.lat)
    queries = _queries(here)
    assert len(queries) >= 12
    assert [repr(match(aside, q)) for q in queries] == [repr(match(here, q)) for q in queries]
    assert aside.gazetteer.names._services is aside.services  # one copy of the records, shared as in a build
    assert aside.columns.id_rank.flags.writeable and aside.sites.lat.flags.writeable
    assert read_s > 0 and build_s > 0


def test_an_index_built_aside_takes_deltas_as_one_built_here(seeded):
    aside, here = buildaside.build_aside(_url(seeded))[0], _here(seeded)
    edited = [s for s in here.services][0]
    renamed = type(edited)(**{**{f: getattr(edited, f) for f in edited.__dataclass_fields__}, "name": "Renamed"})
    after_aside = apply_changes(aside, "next", {edited.id}, [renamed])
    after_here = apply_changes(here, "next", {edited.id}, [renamed])
    assert list(after_aside.services) == list(after_here.services)
    queries = _queries(here)
    assert [repr(match(after_aside, q)) for q in queries] == [repr(match(after_here, q)) for q in queries]


def test_a_failing_build_process_is_named_with_its_reason(tmp_path):
    missing = f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'referral.db'}"
    with pytest.raises(buildaside.BuildAsideFailed, match="the build process failed:(.|\n)*OperationalError"):
        buildaside.build_aside(missing)


def test_a_build_process_that_ends_early_is_named():
    class Ended:
        def poll(self, _timeout):
            return True

        def recv_bytes(self):
            raise EOFError

    with pytest.raises(buildaside.BuildAsideFailed, match=r"ended early \(EOFError\)"):
        buildaside._receive(Ended())


def _dies(pid_file: str):
    """A build process that is killed mid-build (out of memory, an operator)."""
    Path(pid_file).write_text(str(os.getpid()))
    os._exit(9)


def _hangs(pid_file: str):
    """A build process that never sends anything (a lock it waits on for ever)."""
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(600)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"  # a zombie: ended, not yet reaped


def test_a_build_process_killed_mid_build_is_named(tmp_path):
    with pytest.raises(buildaside.BuildAsideFailed, match=r"ended early \(EOFError\)"):
        buildaside.run_aside(_dies, str(tmp_path / "pid"))


def test_a_build_process_silent_too_long_is_stopped_and_named(tmp_path):
    started = time.monotonic()  # 10 s: time for a new interpreter to import the job on a loaded machine
    with pytest.raises(buildaside.BuildAsideFailed, match=r"sent nothing for 10 s: stopped"):
        buildaside.run_aside(_hangs, str(tmp_path / "pid"), silent_s=10)
    assert time.monotonic() - started < 40
    assert _gone(int((tmp_path / "pid").read_text()))


def test_a_build_process_ends_with_its_worker(tmp_path):
    pid_file = tmp_path / "pid"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from referral import buildaside; from tests.integration.test_build_aside import _hangs; "
            "buildaside.run_aside(_hangs, sys.argv[1])",
            str(pid_file),
        ],
        env={**os.environ, "PYTHONPATH": str(Path(buildaside.__file__).parent.parent)},
    )
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline and worker.poll() is None
            time.sleep(0.1)
        build = int(pid_file.read_text())
        assert not _gone(build)
    finally:
        worker.kill()  # as the OOM killer or a deploy would: no clean-up of its own
        worker.wait()
    deadline = time.monotonic() + 10
    while not _gone(build):
        assert time.monotonic() < deadline, "the build process outlived its worker"
        time.sleep(0.1)


def test_no_build_process_is_started_without_a_python_to_start_or_for_a_job_it_cannot_import(monkeypatch):
    def local_job():
        raise AssertionError("never run")

    with pytest.raises(buildaside.BuildAsideFailed, match=r"the job cannot be sent: .*local_job"):
        buildaside.run_aside(local_job)
    local_job.__module__ = "__main__"
    with pytest.raises(buildaside.BuildAsideFailed, match=r"the job .*local_job is in __main__"):
        buildaside.run_aside(local_job)
    monkeypatch.setattr(sys, "executable", "/usr/local/bin/uwsgi")  # an embedding server's own binary
    with pytest.raises(buildaside.BuildAsideFailed, match="'/usr/local/bin/uwsgi' is not a Python interpreter"):
        buildaside.run_aside(buildaside._from_database, "sqlite:///x.db", 90)


UNGUARDED = """
import sys
from pathlib import Path

with Path(sys.argv[1]).open("a") as ran:  # a server script without a __main__ guard: every run counts
    ran.write("ran\\n")
from referral import buildaside

index, _read, _built = buildaside.build_aside(sys.argv[2])
print(len(index.services))
"""


def test_a_worker_script_without_a_main_guard_is_not_run_again_by_its_build_process(seeded, tmp_path):
    script, ran = tmp_path / "serve_it.py", tmp_path / "ran.txt"
    script.write_text(UNGUARDED)
    done = subprocess.run(
        [sys.executable, str(script), str(ran), _url(seeded)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(buildaside.__file__).parent.parent)},
    )
    assert (done.returncode, done.stdout) == (0, f"{len(_here(seeded).services)}\n"), done.stderr
    assert ran.read_text() == "ran\n"  # once: the build process never ran the script
    assert "Fatal Python error" not in done.stderr and "Traceback" not in done.stderr  # it ended cleanly


def _retaxonomy(app) -> None:
    """A taxonomy change: the next update is a full rebuild."""
    with app.app_context(), get_db().session(write=True) as session:
        term = session.scalars(select(NeedTerm).order_by(NeedTerm.code)).first()
        term.labels = {**term.labels, "en": "renamed"}
        session.commit()


def test_a_worker_builds_here_when_the_build_process_fails_and_says_why(seeded, caplog):
    def failing():
        raise buildaside.BuildAsideFailed("the build process ended early (EOFError)")

    cache = matchmaking.IndexCache(seeded.extensions["referral.db"], 0, build_aside=failing)
    cache.current()
    _retaxonomy(seeded)
    caplog.set_level(logging.WARNING, logger="referral.matchmaking")
    index = cache.current()
    assert cache.builds == 2 and list(index.services) == list(_here(seeded).services)
    (record,) = [r for r in caplog.records if r.name == "referral.matchmaking"]
    assert record.getMessage() == (
        "building the match index in another process failed; building it here: the build process ended early (EOFError)"
    )


def test_a_worker_builds_first_here_then_every_rebuild_in_the_process_and_every_edit_as_a_delta(
    seeded, client, admin_headers
):
    from tests.builders import change

    calls = []

    def aside():
        calls.append(1)
        return buildaside.build_aside(_url(seeded))

    cache = matchmaking.IndexCache(seeded.extensions["referral.db"], 0, build_aside=aside)
    first = cache.current()  # before any request: here, faster to start
    assert (cache.builds, len(calls)) == (1, 0)
    service = list(first.services)[0]
    change(client, "PATCH", f"/v1/services/{service.id}", admin_headers, json={"capacity": "full"})
    second = cache.current()
    assert (cache.builds, cache.deltas, len(calls)) == (1, 1, 0)
    assert [s.capacity for s in second.services if s.id == service.id] == ["full"]
    _retaxonomy(seeded)
    third = cache.current()
    assert (cache.builds, cache.deltas, len(calls)) == (2, 1, 1)
    assert list(third.services) == list(_here(seeded).services) and third.version == _here(seeded).version
    assert third.taxonomy.label(third.taxonomy.codes[0], "en") == "renamed"


def test_only_a_serving_worker_on_a_database_another_process_can_open_builds_aside(database_url, tmp_path):
    assert not buildaside.can_build_aside("sqlite://") and not buildaside.can_build_aside("sqlite:///:memory:")
    assert buildaside.can_build_aside(database_url)

    def cache(**config):
        app = create_app({"ENV": "test", "DATABASE_URL": database_url, "ADMIN_KEY": ADMIN_KEY, **config})
        built = app.extensions["referral.index"]
        app.extensions["referral.db"].engine.dispose()
        return built

    assert cache(INDEX_BUILD_IN_BACKGROUND=True)._build_aside is not None
    assert cache(INDEX_BUILD_IN_BACKGROUND=True, INDEX_BUILD_PROCESS=False)._build_aside is None
    assert cache(INDEX_BUILD_IN_BACKGROUND=False)._build_aside is None  # tests, inline: never


def test_packed_records_pickle_in_band_below_protocol_5_and_as_buffers_from_it(seeded):
    records = _here(seeded).services.records
    for protocol in (4, 5):
        assert list(pickle.loads(pickle.dumps(records, protocol=protocol))) == list(records)
    buffers = []
    data = pickle.dumps(records, protocol=5, buffer_callback=buffers.append)
    assert len(buffers) == 2 * len(records._blobs)  # each chunk's blob and offsets, apart
    assert len(data) < sum(len(b) for b in records._blobs)
    assert list(pickle.loads(data, buffers=buffers)) == list(records)


def test_a_directory_smaller_than_the_threshold_is_rebuilt_here(seeded):
    calls = []
    cache = matchmaking.IndexCache(
        seeded.extensions["referral.db"], 0, build_aside=lambda: calls.append(1), aside_from=100
    )
    cache.current()
    _retaxonomy(seeded)
    assert len(cache.current().services) == 3 and (cache.builds, len(calls)) == (2, 0)


def test_the_lazily_built_parts_are_not_pickled_and_are_built_again_on_first_use(seeded):
    index = _here(seeded)
    built = index.gazetteer.names.sites, index.taxonomy.reader
    names, taxonomy = pickle.loads(pickle.dumps((index.gazetteer.names, index.taxonomy), protocol=5))
    assert names.built_sites is None and taxonomy._reader is None
    assert names.sites.slot_of.get(next(iter(built[0].listed())).site.id) is not None
    assert taxonomy.reader is not None
