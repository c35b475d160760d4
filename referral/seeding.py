"""Loading a directory from seed files: a region folder (and, for tests and benches, a taxonomy file).

The taxonomy itself is reference data that ``referral init-db`` loads (reference_data.py);
``referral seed`` loads only a region.

A region folder holds ``places.json`` (the gazetteer) and ``organizations.json`` (organizations with
their sites and services), and may hold ``region.json`` (emergency lines, duties, screening scales);
a ``risk.json`` beside the taxonomy is the risk lexicon (seeding_safety.py); see README "Loading
another region". Seeded rows get stable ids
(uuid5 of their ``key``), so loading the same files again updates rows in place and never
duplicates them. Loading is one transaction: a bad file leaves the database as it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from referral import audit, seeding_safety
from referral.matching.messages import TARGET_GROUPS
from referral.models import Organization, Place, Service, ServiceArea, ServiceAtLocation, ServiceNeed, Site
from referral.policy import CLI
from referral.reference_data import upsert_terms
from referral.stable_ids import stable_id  # the tests import it from here too


class SeedError(ValueError):
    """A seed file is missing or wrong; the message names the file and the entry."""


@dataclass(frozen=True)
class SeedReport:
    terms: int
    places: int
    organizations: int
    sites: int
    services: int
    risk_categories: int = 0
    region_resources: int = 0


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Organization))


def load(session: Session, taxonomy: Path, region: Path, risks: Path | None = None) -> SeedReport:
    """Load the taxonomy file's terms, the risk lexicon (``risks``, by default ``risk.json`` beside the
    taxonomy, if any) and the region folder, upserting by id, in one transaction (tests, benches)."""
    terms = _read(taxonomy, "terms")
    try:
        _upsert_terms(session, terms)
        categories = seeding_safety.load_risks(session, risks or taxonomy.with_name("risk.json"))
    except (KeyError, TypeError, ValueError, IntegrityError) as error:
        session.rollback()
        raise SeedError(f"{taxonomy}: {type(error).__name__}: {getattr(error, 'orig', None) or error}") from error
    report = load_region(session, region)
    return SeedReport(
        len(terms),
        report.places,
        report.organizations,
        report.sites,
        report.services,
        categories,
        report.region_resources,
    )


def load_region(session: Session, region: Path) -> SeedReport:
    """Load a region folder (gazetteer, organizations, region.json), upserting by id, in one transaction."""
    places = _read(region / "places.json", "places")
    organizations = _read(region / "organizations.json", "organizations")
    _check_target_groups(region / "organizations.json", organizations)
    try:
        _upsert_places(session, places)
        counts = [_upsert_organization(session, org) for org in organizations]
        session.flush()
        for org in organizations:  # after every site: a service may serve another organization's school
            for service in org.get("services", []):
                _upsert_service(session, stable_id("organization", org["key"]), org["key"], service)
        session.flush()
        resources = seeding_safety.load_region(session, region, region.name)
    except (KeyError, TypeError, ValueError, IntegrityError) as error:
        session.rollback()
        detail = getattr(error, "orig", None) or error
        raise SeedError(f"{region}: {type(error).__name__}: {detail}") from error
    audit.record(
        session,
        CLI,
        "seed",
        "directory",
        region.name[:36],
        {"organizations": [None, len(organizations)], "services": [None, sum(c[1] for c in counts)]},
    )
    session.commit()  # one version for the whole load (referral.versioning)
    return SeedReport(
        0,
        len(places),
        len(organizations),
        sum(c[0] for c in counts),
        sum(c[1] for c in counts),
        region_resources=resources,
    )


def _check_target_groups(path: Path, organizations: list[dict[str, Any]]) -> None:
    """Every group a service is restricted to is in the vocabulary, so every one has its labels."""
    unknown = {
        service.get("key"): sorted(set(service.get("target_groups") or []) - TARGET_GROUPS)
        for org in organizations
        for service in org.get("services", [])
    }
    named = {key: groups for key, groups in unknown.items() if groups}
    if named:
        listed = "; ".join(f"{key}: {', '.join(groups)}" for key, groups in sorted(named.items(), key=str))
        raise SeedError(f"{path}: target groups not in the vocabulary (referral/data/target_groups.json): {listed}")


def _read(path: Path, key: str) -> list[dict[str, Any]]:
    if not path.is_file():
        raise SeedError(f"{path}: no such file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SeedError(f"{path}: not valid UTF-8 JSON ({error})") from error
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise SeedError(f"{path}: expected an object with a list {key!r}")
    return data[key]


def _upsert_terms(session: Session, terms: Iterable[dict[str, Any]]) -> None:
    upsert_terms(session, terms)


def _upsert_places(session: Session, places: Iterable[dict[str, Any]]) -> None:
    for place in places:
        _merge(
            session,
            Place,
            place["code"],
            parent_code=place.get("parent"),
            kind=place["kind"],
            name=place["name"],
            names=place.get("names", {}),
            aliases=place.get("aliases", []),
            address=place.get("address", {}),
            latitude=place["lat"],
            longitude=place["lon"],
        )
        session.flush()


def _upsert_organization(session: Session, org: dict[str, Any]) -> tuple[int, int]:
    org_id = stable_id("organization", org["key"])
    _merge(
        session,
        Organization,
        org_id,
        name=org["name"],
        names=org.get("names", {}),
        description=org.get("description"),
        descriptions=org.get("descriptions", {}),
        kind=org["kind"],
        email=org.get("email"),
        phone=org.get("phone"),
        website=org.get("website"),
        status=org.get("status", "active"),
    )
    session.flush()
    for site in org.get("sites", []):
        _upsert_site(session, org_id, site)
    return len(org.get("sites", [])), len(org.get("services", []))


def _upsert_site(session: Session, org_id: str, site: dict[str, Any]) -> None:
    _merge(
        session,
        Site,
        stable_id("site", site["key"]),
        organization_id=org_id,
        name=site["name"],
        names=site.get("names", {}),
        kind=site["kind"],
        address=site.get("address"),
        place_code=site.get("place"),
        latitude=site["lat"],
        longitude=site["lon"],
        phone=site.get("phone"),
        opening_hours=site.get("opening_hours", []),
        languages=site.get("languages", []),
        accessibility=site.get("accessibility"),
        phones=site.get("phones", []),
        translations=site.get("translations", {}),
        status=site.get("status", "active"),
    )


def _upsert_service(session: Session, org_id: str, org_key: str, data: dict[str, Any]) -> None:
    verified = data.get("verified_at")
    service = _merge(
        session,
        Service,
        stable_id("service", data["key"]),
        organization_id=org_id,
        name=data["name"],
        names=data.get("names", {}),
        description=data.get("description"),
        descriptions=data.get("descriptions", {}),
        minimum_age=data.get("minimum_age"),
        maximum_age=data.get("maximum_age"),
        genders=data.get("genders", []),
        target_groups=data.get("target_groups", []),
        languages=data.get("languages", []),
        modes=data["modes"],
        cost=data.get("cost", "free"),
        cost_text=data.get("cost_text"),
        capacity=data.get("capacity", "accepting"),
        wait_days=data.get("wait_days"),
        intensity=data.get("intensity", "support"),
        area_radius_km=data.get("area_radius_km"),
        status=data.get("status", "active"),
        verified_at=date.fromisoformat(verified) if verified else None,
        **_card(data),
    )
    service.need_links = [ServiceNeed(need_code=code) for code in data["needs"]]
    service.area_links = [ServiceArea(place_code=code) for code in data.get("area_places", [])]
    links = {link.site_id: link for link in service.site_links}
    service.site_links = [
        links.get(site_id)
        or ServiceAtLocation(
            id=stable_id("service_at_location", f"{data['key']}@{key}"),
            site_id=site_id,
            organization_id=org_id,
        )
        for key in data.get("sites", [])
        for site_id in [stable_id("site", key)]
    ]


def _card(data: dict[str, Any]) -> dict[str, Any]:
    """The service's card fields (see models.listings); ``serves_school`` names a site by key."""
    school = data.get("serves_school")
    return {
        "application_process": data.get("application_process"),
        "wait_time": data.get("wait_time"),
        "required_documents": data.get("required_documents", []),
        "alerts": data.get("alerts", []),
        "contacts": data.get("contacts", []),
        "phones": data.get("phones", []),
        "opening_hours": data.get("opening_hours", []),
        "delivered_languages": data.get("delivered_languages", []),
        "serves_school": stable_id("site", school) if school else None,
        "translations": data.get("translations", {}),
    }


def _merge(session: Session, model: type[Any], key: str, **values: Any) -> Any:
    """Insert or update the row with primary key ``key``; unchanged rows stay untouched."""
    obj = session.get(model, key)
    if obj is None:
        pk = model.__mapper__.primary_key[0].key
        obj = model(**{pk: key}, **values)
        session.add(obj)
        return obj
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
    return obj
