"""The directory version is bumped by the commit, once per transaction that changed what the matcher
reads, whichever use case wrote (referral/versioning.py): never by hand, never by a read, a rollback,
a savepoint or a write the matcher does not read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from referral import freshness, reference_data
from referral.db import get_db
from referral.models import DirectoryChange, DirectoryState, Job, NeedTerm, Service
from referral.policy import CLI
from referral.seeding import stable_id
from tests.builders import MINI, change, seed_mini
from tests.integration.hsds.helpers import HARBOUR, reference_only, run_import
from tests.referral_setup import COUNSELLING, move, people, send

AUTISM = stable_id("service", "east-autism")


def _state(app: Any) -> tuple[int, list[tuple[int, list[str] | None]]]:
    """The version and the change log (version, changed service ids; None = a full change)."""
    with app.app_context(), get_db().session() as session:
        log = session.execute(
            select(DirectoryChange.version, DirectoryChange.service_ids).order_by(DirectoryChange.version)
        ).all()
        return session.scalar(select(DirectoryState.version)) or 0, [tuple(row) for row in log]


def test_seeding_bumps_once_for_the_whole_load_and_logs_a_full_change(app):
    assert _state(app) == (0, [])
    seed_mini(app)
    assert _state(app) == (1, [(1, None)])


def test_a_listing_edit_through_the_api_bumps_once_and_names_its_service(app, client, admin_headers):
    seed_mini(app)
    change(client, "PATCH", f"/v1/services/{AUTISM}", admin_headers, json={"wait_days": None, "capacity": "full"})
    assert _state(app) == (2, [(1, None), (2, [AUTISM])])


def test_two_services_changed_in_one_transaction_bump_once(app):
    seed_mini(app)
    with app.app_context(), get_db().session(write=True) as session:
        session.get(Service, AUTISM).intensity = "intensive"
        session.flush()
        session.get(Service, COUNSELLING).wait_days = None
        session.commit()
    assert _state(app) == (2, [(1, None), (2, sorted([AUTISM, COUNSELLING]))])


def test_a_confirmation_of_freshness_bumps_once(app):
    seed_mini(app)
    with app.app_context(), get_db().session(write=True) as session:
        freshness.confirm(session, CLI, AUTISM)
    assert _state(app) == (2, [(1, None), (2, [AUTISM])])


def test_a_taxonomy_load_bumps_once_and_an_unchanged_one_not_at_all(app):
    seed_mini(app)
    with app.app_context(), get_db().session(write=True) as session:
        assert reference_data.ensure_taxonomy(session, MINI / "needs.json", force=True).loaded
    with app.app_context(), get_db().session(write=True) as session:
        assert not reference_data.ensure_taxonomy(session, MINI / "needs.json").loaded
    assert _state(app) == (2, [(1, None), (2, None)])


def test_an_hsds_import_bumps_once_and_a_dry_run_not_at_all(app, tmp_path: Path):
    reference_only(app, tmp_path)
    assert _state(app)[0] == 1
    run_import(app, HARBOUR, dry_run=True)
    assert _state(app)[0] == 1
    assert run_import(app, HARBOUR).written
    assert _state(app) == (2, [(1, None), (2, None)])


def test_a_referral_bumps_only_when_it_is_decided(app, client, make_key, admin_headers):
    cast = people(app, make_key, admin_headers)
    sent = send(client, cast.worker)
    assert _state(app)[0] == 1  # sent, not decided: no service's outcome record changed
    assert move(client, sent["id"], cast.editor, "accepted").status_code == 200
    assert _state(app) == (2, [(1, None), (2, [COUNSELLING])])


def test_a_read_a_rollback_a_savepoint_and_a_silent_write_bump_nothing_more(app):
    seed_mini(app)
    with app.app_context(), get_db().session() as session:
        session.scalars(select(Service)).all()
        session.commit()
    with app.app_context(), get_db().session(write=True) as session:
        session.get(Service, AUTISM).intensity = "intensive"
        session.flush()
        session.rollback()
    with app.app_context(), get_db().session(write=True) as session:
        session.add(Job(kind="export", status="queued", created_by="cli"))  # no match reads jobs
        session.commit()
    assert _state(app) == (1, [(1, None)])
    with app.app_context(), get_db().session(write=True) as session:
        with session.begin_nested():
            term = session.scalars(select(NeedTerm).order_by(NeedTerm.code)).first()
            term.labels = {**term.labels, "en": "renamed"}
        assert _state(app)[0] == 1  # the savepoint committed; the transaction has not
        session.commit()
    assert _state(app) == (2, [(1, None), (2, None)])
