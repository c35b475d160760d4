"""The directory's change log: which services each write changed, recorded in the write's own
transaction, so every worker can update its index for just those services (matchmaking.IndexCache).

A session listener notes what a transaction touches: services, their link rows, sites and
organizations by id (sites and organizations reach services through their links and names). Anything
else — a need term, a place, a region resource, or a bulk INSERT/UPDATE/DELETE through
``session.execute`` (imports, seeding) — makes the change "full": workers rebuild from a snapshot.
``record`` (called by versioning.bump, before a commit that ``noted`` something) turns the notes into
service ids and writes the ``directory_changes`` row of the new version. A referral counts only when
it is decided (accepted or declined): its service's outcome record changed. Also:
``refresh_statistics`` after bulk imports. Depends on SQLAlchemy and referral.models only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, event, inspect, or_, select
from sqlalchemy.orm import ORMExecuteState, Session

from referral.models import (
    Account,
    ApiKey,
    AuditEvent,
    DirectoryChange,
    DirectoryState,
    GapCount,
    Job,
    ListingReport,
    Organization,
    OutboxEvent,
    Referral,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceNeed,
    Site,
    WebhookDelivery,
    WebhookSubscription,
)

DECISIONS = ("accepted", "declined")  # the referral statuses outcome records count
KEEP = 10_000  # change rows kept; a worker further behind than this rebuilds
FULL = ("full", "")  # the note that makes a change full
_NOTES = "referral.changes"
_SILENT = (
    AuditEvent,
    ApiKey,
    Account,
    ListingReport,
    DirectoryState,
    DirectoryChange,  # no match data
    OutboxEvent,
    WebhookSubscription,
    WebhookDelivery,
    GapCount,
    Job,
)
_SILENT_TABLES = frozenset(model.__tablename__ for model in _SILENT)
_LINKS = (ServiceNeed, ServiceArea, ServiceAtLocation)


def record(session: Session, version: int) -> None:
    """Write the change row of ``version`` from what this transaction touched; prune old rows."""
    notes = session.info.pop(_NOTES, set())
    ids = None if FULL in notes or not notes else sorted(_service_ids(session, notes))
    session.add(DirectoryChange(version=version, service_ids=ids))
    session.execute(delete(DirectoryChange).where(DirectoryChange.version <= version - KEEP))


def noted(session: Session) -> bool:
    """Whether this transaction wrote something the matcher reads (and not yet recorded)."""
    return bool(session.info.get(_NOTES))


def since(session: Session, version: int, latest: int) -> set[str] | None:
    """The ids of the services changed after ``version`` up to ``latest``, or None when a rebuild is
    needed (a full change, or rows missing: pruned, or written before the log existed)."""
    rows = session.execute(
        select(DirectoryChange.version, DirectoryChange.service_ids).where(
            DirectoryChange.version > version, DirectoryChange.version <= latest
        )
    ).all()
    if len(rows) != latest - version or any(ids is None for _v, ids in rows):
        return None
    return {service_id for _v, ids in rows for service_id in ids}


def _service_ids(session: Session, notes: set[tuple[str, str]]) -> set[str]:
    ids = {key for kind, key in notes if kind == "service"}
    sites = [key for kind, key in notes if kind == "site"]
    orgs = [key for kind, key in notes if kind == "organization"]
    if sites:
        ids |= set(session.scalars(select(ServiceAtLocation.service_id).where(ServiceAtLocation.site_id.in_(sites))))
        ids |= set(session.scalars(select(Service.id).where(Service.serves_school.in_(sites))))
    if orgs:
        school_sites = select(Site.id).where(Site.organization_id.in_(orgs))
        ids |= set(
            session.scalars(
                select(Service.id).where(
                    or_(Service.organization_id.in_(orgs), Service.serves_school.in_(school_sites))
                )
            )
        )
    return ids


def _note(session: Session, obj: Any) -> None:
    notes = session.info.setdefault(_NOTES, set())
    if isinstance(obj, Service):
        notes.add(("service", obj.id))
    elif isinstance(obj, _LINKS):
        notes.add(("service", obj.service_id))
    elif isinstance(obj, Referral):  # a decision changes its service's outcome record (referral.outcomes)
        if obj.status in DECISIONS and inspect(obj).attrs.status.history.added:
            notes.add(("service", obj.service_id))
    elif isinstance(obj, Site):
        notes.add(("site", obj.id))
    elif isinstance(obj, Organization):
        notes.add(("organization", obj.id))
    elif not isinstance(obj, _SILENT):
        notes.add(FULL)


@event.listens_for(Session, "after_flush")  # ids of new rows are known by now
def _note_flushed(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        _note(session, obj)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_writes(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) not in _SILENT_TABLES:
            state.session.info.setdefault(_NOTES, set()).add(FULL)


@event.listens_for(Session, "after_soft_rollback")  # not after_commit: a commit that bumped nothing
def _forget(session: Session, previous: Any) -> None:  # (seeding's first steps) counts at the next bump
    if previous.parent is None and not previous.nested:  # a savepoint's rollback keeps the outer notes
        session.info.pop(_NOTES, None)


def refresh_statistics(session: Session) -> None:
    """After a bulk import: fresh planner statistics (PostgreSQL ANALYZE; SQLite PRAGMA optimize), so
    the directory snapshot query is never planned on stale row counts (a nested loop over 100k rows)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql("ANALYZE")
    else:
        session.connection().exec_driver_sql("PRAGMA optimize")
    session.commit()
