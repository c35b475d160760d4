"""The listing use cases: create, read, update and soft-delete organizations, sites and services.

Besides seeding and import, this is the one place that commits. Each write's commit also bumps the
directory version (``directory_state``) in the same transaction (referral.versioning does, from a
session event), which is how every worker's match index learns that the directory changed.
Functions take a session; they never open one. They check meaning (existence, ownership,
references); syntax was checked by the schemas.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from referral import audit
from referral.errors import N_, Invalid, InvalidMany, NotFound, StaleVersion
from referral.matching.text import closest
from referral.models import (
    DirectoryState,
    NeedTerm,
    Organization,
    Place,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceNeed,
    Site,
)
from referral.policy import Principal, check_fields, check_status_change, require_admin, require_edit

KINDS: dict[type, str] = {Organization: "organization", Site: "site", Service: "service"}
# Service fields kept in link tables rather than columns.
SERVICE_LINKS = ("needs", "area_places", "site_ids")


def service_rule_errors(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Cross-field rules of a service, shared by the schema and by partial updates."""
    errors = []
    low, high = values.get("minimum_age"), values.get("maximum_age")
    if low is not None and high is not None and low > high:
        errors.append(("maximum_age", N_("must not be below minimum_age")))
    if values.get("wait_days") is not None and values.get("capacity", "waitlist") != "waitlist":
        errors.append(("wait_days", N_("only a waitlisted service has an expected wait")))
    return errors


def directory_version(session: Session) -> int:
    """The directory's change counter (0 for an empty database)."""
    return session.scalar(select(DirectoryState.version).where(DirectoryState.id == 1)) or 0


def get(session: Session, model: type, key: str) -> Any:
    """One organization, site or service by id (inactive ones included), or NotFound."""
    obj = session.get(model, key)
    if obj is None:
        raise NotFound(KINDS[model], key)
    return obj


def create(session: Session, actor: Principal, model: type, data: Mapping[str, Any]) -> Any:
    """Create a listing from validated ``data``, audit it and commit."""
    data = dict(data)
    kind = KINDS[model]
    if model is Organization:
        require_admin(actor, N_("Only an admin may create organizations."))
    else:
        _require_organization(session, data["organization_id"])
        require_edit(actor, data["organization_id"])
    check_fields(actor, kind, data)
    obj = model(**{k: v for k, v in data.items() if k not in SERVICE_LINKS})
    _check_references(session, obj, data)
    if model is Service:
        _set_links(obj, data)
    session.add(obj)
    session.flush()
    audit.record(session, actor, "create", kind, obj.id, audit.diff({}, audit.state(obj)))
    _commit(session)
    return obj


def update_listing(
    session: Session,
    actor: Principal,
    model: type,
    key: str,
    changes: Mapping[str, Any],
    expected_version: int | None,
) -> Any:
    """Apply a partial update if the caller saw the current version; re-check, audit, commit."""
    obj = _editable(session, actor, model, key, expected_version)
    check_fields(actor, KINDS[model], changes)
    if "organization_id" in changes and changes["organization_id"] != obj.organization_id:
        raise Invalid("organization_id", N_("cannot be changed; create the listing under the other organization"))
    if "status" in changes:
        check_status_change(actor, KINDS[model], obj.status, changes["status"])
    before = audit.state(obj)
    for name, value in changes.items():
        if name not in SERVICE_LINKS:
            setattr(obj, name, value)
    if model is Service:
        merged = {name: getattr(obj, name) for name in ("minimum_age", "maximum_age", "wait_days", "capacity")}
        _raise_all([Invalid(f, m) for f, m in service_rule_errors(merged)])
    _check_references(session, obj, changes)
    if model is Service:
        _set_links(obj, changes)
    return _audited(session, actor, "update", obj, before)


def soft_delete(session: Session, actor: Principal, model: type, key: str, expected_version: int | None) -> Any:
    """Mark a listing inactive; it stays readable by id and leaves lists and matching."""
    if model is Organization:
        require_admin(actor, N_("Only an admin may deactivate organizations."))
    obj = _editable(session, actor, model, key, expected_version)
    check_status_change(actor, KINDS[model], obj.status, "inactive")  # an editor cannot erase a suspension
    before = audit.state(obj)
    obj.status = "inactive"
    return _audited(session, actor, "delete", obj, before)


def restore(session: Session, actor: Principal, model: type, key: str, expected_version: int | None) -> Any:
    """An admin brings a deleted (inactive) listing back to active."""
    require_admin(actor, N_("Only an admin may restore listings."))
    obj = _editable(session, actor, model, key, expected_version)
    if obj.status != "inactive":
        raise Invalid(
            "status",
            N_("only an inactive {kind} can be restored; this one is {status}"),
            kind=KINDS[model],
            status=obj.status,
        )
    before = audit.state(obj)
    obj.status = "active"
    return _audited(session, actor, "restore", obj, before)


def owner_of(obj: Any) -> str:
    """The organization that owns a listing."""
    return obj.id if isinstance(obj, Organization) else obj.organization_id


def history(session: Session, actor: Principal, model: type, key: str) -> list[Any]:
    """The audit events of one listing, for admins and its own editors."""
    obj = get(session, model, key)
    require_edit(actor, owner_of(obj))
    return audit.history(session, KINDS[model], key)


def _editable(session: Session, actor: Principal, model: type, key: str, expected_version: int | None) -> Any:
    # FOR UPDATE (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers): a concurrent
    # editor waits here, then sees the new version and gets 412 — before it touches any link row.
    obj = session.get(model, key, with_for_update=True)
    if obj is None:
        raise NotFound(KINDS[model], key)
    require_edit(actor, owner_of(obj))
    if expected_version is not None and obj.version != expected_version:
        raise StaleVersion(KINDS[model], obj.version)
    return obj


def _audited(session: Session, actor: Principal, action: str, obj: Any, before: dict[str, Any]) -> Any:
    """Write the change (the UPDATE names the version read), audit it, bump, commit.

    On PostgreSQL two writers can both pass the If-Match check; the loser's UPDATE then matches no
    row and SQLAlchemy raises StaleDataError, which becomes StaleVersion with nothing written.
    """
    try:
        session.flush()
        audit.record(session, actor, action, KINDS[type(obj)], obj.id, audit.diff(before, audit.state(obj)))
        _commit(session)
    except StaleDataError:
        session.rollback()
        current = session.scalar(select(type(obj).version).where(type(obj).id == obj.id))
        raise StaleVersion(KINDS[type(obj)], current or 0) from None
    return obj


def _commit(session: Session) -> None:
    session.commit()  # the commit bumps the directory version (referral.versioning)


def _require_organization(session: Session, key: str) -> None:
    if session.get(Organization, key) is None:
        raise Invalid("organization_id", N_("no organization with id {key}"), key=repr(key))


def _check_references(session: Session, obj: Any, data: Mapping[str, Any]) -> None:
    problems: list[Invalid] = []
    if isinstance(obj, Site) and data.get("place_code"):
        problems += _unknown(session, Place, Place.code, [data["place_code"]], "place")
    if isinstance(obj, Service):
        problems += _unknown(session, NeedTerm, NeedTerm.code, data.get("needs") or [], "needs")
        problems += _unknown(session, Place, Place.code, data.get("area_places") or [], "area_places")
        problems += _foreign_sites(session, obj.organization_id, data.get("site_ids") or [])
        problems += _unknown_school(session, data.get("serves_school"))
    _raise_all(problems)


def _unknown(session: Session, model: type, column: Any, codes: list[str], field: str) -> list[Invalid]:
    if not codes:
        return []
    known = set(session.scalars(select(column).where(column.in_(codes))))
    missing = [(i, c) for i, c in enumerate(codes) if c not in known]
    if not missing:
        return []
    every = list(session.scalars(select(column)))
    path = (lambda i: field) if field == "place" else (lambda i: f"{field}[{i}]")
    return [Invalid(path(i), N_("unknown code {code}"), closest(c, every), code=repr(c)) for i, c in missing]


def _unknown_school(session: Session, site_id: str | None) -> list[Invalid]:
    """A school's own service names the school's site; it must exist (read before the pending change flushes)."""
    if not site_id:
        return []
    with session.no_autoflush:
        found = session.scalar(select(Site.id).where(Site.id == site_id))
    return [] if found else [Invalid("serves_school", N_("no site with id {key}"), key=repr(site_id))]


def _foreign_sites(session: Session, organization_id: str, site_ids: list[str]) -> list[Invalid]:
    if not site_ids:
        return []
    owners = dict(session.execute(select(Site.id, Site.organization_id).where(Site.id.in_(site_ids))).all())
    problems = []
    for i, site_id in enumerate(site_ids):
        if site_id not in owners:
            problems.append(Invalid(f"sites[{i}]", N_("no site with id {key}"), key=repr(site_id)))
        elif owners[site_id] != organization_id:
            problems.append(Invalid(f"sites[{i}]", N_("belongs to another organization")))
    return problems


def _raise_all(problems: list[Invalid]) -> None:
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InvalidMany(problems)


def _set_links(service: Service, data: Mapping[str, Any]) -> None:
    """Replace the service's need, area and site links with those in ``data`` (when given)."""
    if "needs" in data:
        service.need_links = [ServiceNeed(need_code=c) for c in data["needs"]]
    if "area_places" in data:
        service.area_links = [ServiceArea(place_code=c) for c in data["area_places"]]
    if "site_ids" in data:
        current = {link.site_id: link for link in service.site_links}
        service.site_links = [
            current.get(s) or ServiceAtLocation(site_id=s, organization_id=service.organization_id)
            for s in data["site_ids"]
        ]
