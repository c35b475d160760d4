"""Every HSDS import writes one audit event per record it created, changed or moved, with the
import's id, in its own transaction; the audit trail refuses UPDATE and DELETE on both databases."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from referral.db import get_db
from referral.hsds import exchange
from referral.hsds.audit import ImportAudit
from referral.models import AuditEvent
from referral.policy import Principal
from tests.integration.hsds.helpers import HARBOUR, reference_only

ADMIN = Principal(actor="key:test", role="admin", account_id=None)
MOVED = "youth-chat"  # Youth Line chat, of Kiwi Youth Line, online only


def _import(app, path, import_id, dry_run=False):
    with app.app_context(), get_db().session(write=True) as session:
        return exchange.import_path(session, app.config, path, dry_run, audit=ImportAudit(ADMIN, import_id))


def _events(app, import_id):
    with app.app_context(), get_db().session() as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.import_id == import_id).order_by(AuditEvent.id))
        )


def test_an_import_audits_each_record_it_creates_once_with_its_id(app, tmp_path):
    reference_only(app, tmp_path)
    report = _import(app, HARBOUR, "import-1")
    assert report.written, report.problems
    events = _events(app, "import-1")
    created = Counter(e.object_type for e in events if e.action == "import.created")
    assert created == {
        "organization": report.counts["organizations"],
        "service": report.counts["services"],
        "site": report.counts["sites"],
    }
    per_record = Counter((e.object_type, e.object_id) for e in events if e.action != "import.linked")
    assert max(per_record.values()) == 1
    assert {e.actor for e in events} == {"key:test"}
    counselling = next(e for e in events if e.object_id == "c0000000-0000-4000-8000-000000000001")
    assert counselling.changes["name"] == [None, "Child and Teen Counselling"]
    assert counselling.changes["modes"] == [None, ["in_person"]]  # a JSON column, as its value
    assert counselling.changes["needs"][0] == [] and counselling.changes["needs"][1] != []


def test_importing_the_same_package_again_audits_nothing(app, tmp_path):
    reference_only(app, tmp_path)
    _import(app, HARBOUR, "import-1")
    assert _import(app, HARBOUR, "import-2").written
    assert _events(app, "import-2") == []


def test_a_dry_run_or_a_refused_import_leaves_no_event(app, tmp_path):
    reference_only(app, tmp_path)
    _import(app, HARBOUR, "dry", dry_run=True)
    broken = tmp_path / "broken"
    shutil.copytree(HARBOUR, broken)
    services = broken / "services.csv"
    services.write_text(services.read_text(encoding="utf-8").replace(",5,17,", ",17,5,"), encoding="utf-8")
    assert not _import(app, broken, "refused").written
    assert _events(app, "dry") == [] and _events(app, "refused") == []


def test_a_service_moved_to_another_organization_with_its_needs_wiped_is_audited(app, tmp_path):
    reference_only(app, tmp_path)
    _import(app, HARBOUR, "import-1")
    moved = tmp_path / "moved"
    shutil.copytree(HARBOUR, moved)
    _rewrite(
        moved / "services.csv",
        lambda line: line.replace(f"{MOVED},kiwi-youth-line", f"{MOVED},8f14e45f-ceea-467a-9af0-3f0c6e1b2a11"),
    )
    _rewrite(moved / "attributes.csv", lambda line: None if f",{MOVED}," in line else line)
    report = _import(app, moved, "import-2")
    assert report.written, report.problems
    [event] = _events(app, "import-2")
    assert event.action == "import.moved" and event.object_type == "service"
    assert event.changes["organization_id"][1] != event.changes["organization_id"][0]
    assert event.changes["needs"][0] != [] and event.changes["needs"][1] == []


def _rewrite(path, change) -> None:
    lines = [change(line) for line in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("\n".join(line for line in lines if line is not None) + "\n", encoding="utf-8")


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"])
def test_the_events_of_an_import_can_be_neither_changed_nor_deleted(app, tmp_path, statement):
    reference_only(app, tmp_path)
    _import(app, HARBOUR, "import-1")
    with app.app_context():
        with pytest.raises(DatabaseError, match="append-only"), get_db().engine.begin() as connection:
            connection.execute(text(statement + " WHERE import_id = 'import-1'"))
    assert len(_events(app, "import-1")) > 0
