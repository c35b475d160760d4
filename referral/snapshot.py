"""Reading the directory out of the database as the matching core's plain ``Directory`` snapshot.

Reads with plain SQL rows (no ORM objects) so that a large directory loads quickly, and inside one
transaction (REPEATABLE READ on PostgreSQL; SQLite's WAL read transaction is a snapshot already)
so the version it reports is the version of the data it read. Only active services of active
organizations, offered at active sites, are included: nothing else may ever be matched.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from referral.directory import directory_version
from referral.matching import types as core
from referral.models import NeedTerm, Organization, Place, Service, ServiceArea, ServiceAtLocation, ServiceNeed, Site

WEEKDAYS = {"mo": 0, "tu": 1, "we": 2, "th": 3, "fr": 4, "sa": 5, "su": 6}


def load(session: Session) -> core.Directory:
    """A consistent snapshot of the matchable directory."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    version = directory_version(session)
    return core.Directory(
        version=str(version),
        terms=tuple(_terms(session)),
        places=tuple(_places(session)),
        services=tuple(_services(session)),
    )


def _terms(session: Session) -> list[core.NeedTerm]:
    return load_terms(session.execute(select(NeedTerm).order_by(NeedTerm.position, NeedTerm.code)).scalars())


def load_terms(rows: Iterable[NeedTerm]) -> list[core.NeedTerm]:
    """Need-term rows as the core's terms (the reader's lexicon and descriptions included)."""
    return [
        core.NeedTerm(code=t.code, parent=t.parent_code, labels=dict(t.labels),
                      synonyms={lang: tuple(words) for lang, words in (t.synonyms or {}).items()},
                      description=dict(t.description or {}),
                      lexicon={lang: tuple(words) for lang, words in (t.lexicon or {}).items()},
                      audience=t.audience or "child", priority=t.priority or 0)
        for t in rows
    ]


def _places(session: Session) -> list[core.Place]:
    rows = session.execute(select(Place).order_by(Place.code)).scalars()
    return [
        core.Place(code=p.code, parent=p.parent_code, kind=p.kind, name=p.name, names=dict(p.names),
                   lat=p.latitude, lon=p.longitude)
        for p in rows
    ]


def _sites(session: Session) -> dict[str, core.Site]:
    rows = session.execute(
        select(Site.id, Site.name, Site.names, Site.address, Site.latitude, Site.longitude,
               Site.place_code, Site.opening_hours).where(Site.status == "active")
    )
    return {
        r.id: core.Site(id=r.id, name=r.name, names=r.names or {}, address=r.address, lat=r.latitude,
                        lon=r.longitude, place=r.place_code,
                        open_days=frozenset(WEEKDAYS[h["weekday"]] for h in r.opening_hours or []))
        for r in rows
    }


def _links(session: Session, column_a, column_b) -> dict[str, list[str]]:  # noqa: ANN001
    grouped: dict[str, list[str]] = defaultdict(list)
    for a, b in session.execute(select(column_a, column_b).order_by(column_a, column_b)):
        grouped[a].append(b)
    return grouped


def _services(session: Session) -> list[core.Service]:
    sites = _sites(session)
    needs = _links(session, ServiceNeed.service_id, ServiceNeed.need_code)
    areas = _links(session, ServiceArea.service_id, ServiceArea.place_code)
    at = _links(session, ServiceAtLocation.service_id, ServiceAtLocation.site_id)
    columns = [Service.__table__.c[name] for name in SERVICE_COLUMNS]
    rows = session.execute(
        select(*columns, Organization.name.label("org_name"), Organization.names.label("org_names"))
        .join(Organization, Organization.id == Service.organization_id)
        .where(Service.status == "active", Organization.status == "active")
        .order_by(Service.id)
    )
    return [_service(row, needs, areas, at, sites) for row in rows]


SERVICE_COLUMNS = (
    "id", "organization_id", "name", "names", "modes", "cost", "cost_text", "capacity", "wait_days",
    "intensity", "minimum_age", "maximum_age", "genders", "target_groups", "languages",
    "area_radius_km", "status", "verified_at",
)


def _service(s, needs, areas, at, sites) -> core.Service:  # noqa: ANN001 - a result row and link maps
    return core.Service(
        id=s.id, organization_id=s.organization_id, organization_name=s.org_name,
        organization_names=s.org_names or {}, name=s.name, names=s.names or {},
        needs=tuple(needs.get(s.id, ())), modes=frozenset(s.modes), cost=s.cost, cost_text=s.cost_text,
        capacity=s.capacity, wait_days=s.wait_days, intensity=s.intensity,
        minimum_age=s.minimum_age, maximum_age=s.maximum_age, genders=frozenset(s.genders),
        groups=frozenset(s.target_groups), languages=frozenset(s.languages),
        area_places=frozenset(areas.get(s.id, ())), area_radius_km=s.area_radius_km, status=s.status,
        verified_at=s.verified_at,
        sites=tuple(sites[i] for i in at.get(s.id, ()) if i in sites),
    )
