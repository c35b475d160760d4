"""The listing use cases: create, read, update and soft-delete organizations, sites and services.

Besides seeding and import, this is the one place that commits. Each write also bumps the
directory version (``directory_state``) in the same transaction, which is how every worker's match
index learns that the directory changed. Functions take a session; they never open one. They check
meaning (existence, ownership, references); syntax was checked by the schemas.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from referral.errors import Invalid, InvalidMany, NotFound
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
from referral.suggest import closest

KINDS: dict[type, str] = {Organization: "organization", Site: "site", Service: "service"}
# Service fields kept in link tables rather than columns.
SERVICE_LINKS = ("needs", "area_places", "site_ids")


def service_rule_errors(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Cross-field rules of a service, shared by the schema and by partial updates."""
    errors = []
    low, high = values.get("minimum_age"), values.get("maximum_age")
    if low is not None and high is not None and low > high:
        errors.append(("maximum_age", "must not be below minimum_age"))
    if values.get("wait_days") is not None and values.get("capacity", "waitlist") != "waitlist":
        errors.append(("wait_days", "only a waitlisted service has an expected wait"))
    return errors


def directory_version(session: Session) -> int:
    """The directory's change counter (0 for an empty database)."""
    return session.scalar(select(DirectoryState.version).where(DirectoryState.id == 1)) or 0


def bump_version(session: Session) -> None:
    session.execute(
        update(DirectoryState)
        .where(DirectoryState.id == 1)
        .values(version=DirectoryState.version + 1, changed_at=datetime.now(timezone.utc))
    )


def get(session: Session, model: type, key: str) -> Any:
    """One organization, site or service by id (inactive ones included), or NotFound."""
    obj = session.get(model, key)
    if obj is None:
        raise NotFound(KINDS[model], key)
    return obj


def create(session: Session, model: type, data: Mapping[str, Any]) -> Any:
    """Create a listing from validated ``data`` and commit."""
    data = dict(data)
    if model is not Organization:
        _require_organization(session, data["organization_id"])
    obj = model(**{k: v for k, v in data.items() if k not in SERVICE_LINKS})
    _check_references(session, obj, data)
    if model is Service:
        _set_links(obj, data)
    session.add(obj)
    _commit(session)
    return obj


def update_listing(session: Session, model: type, key: str, changes: Mapping[str, Any]) -> Any:
    """Apply a partial update, re-check the whole record, and commit."""
    obj = get(session, model, key)
    if "organization_id" in changes and changes["organization_id"] != obj.organization_id:
        raise Invalid("organization_id", "cannot be changed; create the listing under the other organization")
    for name, value in changes.items():
        if name not in SERVICE_LINKS:
            setattr(obj, name, value)
    if model is Service:
        merged = {name: getattr(obj, name) for name in ("minimum_age", "maximum_age", "wait_days", "capacity")}
        _raise_all([Invalid(f, m) for f, m in service_rule_errors(merged)])
    _check_references(session, obj, changes)
    if model is Service:
        _set_links(obj, changes)
    _commit(session)
    return obj


def soft_delete(session: Session, model: type, key: str) -> Any:
    """Mark a listing inactive; it stays readable by id and leaves lists and matching."""
    obj = get(session, model, key)
    obj.status = "inactive"
    _commit(session)
    return obj


def _commit(session: Session) -> None:
    bump_version(session)
    session.commit()


def _require_organization(session: Session, key: str) -> None:
    if session.get(Organization, key) is None:
        raise Invalid("organization_id", f"no organization with id {key!r}")


def _check_references(session: Session, obj: Any, data: Mapping[str, Any]) -> None:
    problems: list[Invalid] = []
    if isinstance(obj, Site) and data.get("place_code"):
        problems += _unknown(session, Place, Place.code, [data["place_code"]], "place")
    if isinstance(obj, Service):
        problems += _unknown(session, NeedTerm, NeedTerm.code, data.get("needs") or [], "needs")
        problems += _unknown(session, Place, Place.code, data.get("area_places") or [], "area_places")
        problems += _foreign_sites(session, obj.organization_id, data.get("site_ids") or [])
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
    return [Invalid(path(i), f"unknown code {c!r}", closest(c, every)) for i, c in missing]


def _foreign_sites(session: Session, organization_id: str, site_ids: list[str]) -> list[Invalid]:
    if not site_ids:
        return []
    owners = dict(session.execute(select(Site.id, Site.organization_id).where(Site.id.in_(site_ids))).all())
    problems = []
    for i, site_id in enumerate(site_ids):
        if site_id not in owners:
            problems.append(Invalid(f"sites[{i}]", f"no site with id {site_id!r}"))
        elif owners[site_id] != organization_id:
            problems.append(Invalid(f"sites[{i}]", "belongs to another organization"))
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
