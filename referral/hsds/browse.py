"""Read queries behind the ``/hsds`` API: filtered pages of services, organizations,
service_at_location, taxonomies and taxonomy terms, each item an HSDS 3.0 object.

Filters combine with AND: ``search`` (the directory's search engine, search.py: names,
descriptions and the needs the words read as),
``taxonomy_term_id`` (one of our terms, with the terms below it, or an Open Eligibility term),
``organization_id``, ``modified_after``, and for service_at_location a proximity circle. Only active
organizations are published (as in the export); services carry their own status. Times carry the UTC
offset of ``timezone`` (config TIMEZONE), as the export's do. Takes a session.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from referral import search
from referral.errors import NotFound
from referral.hsds import export, extension
from referral.hsds.crosswalk import open_eligibility_term_id, term_id
from referral.hsds.ids import derived
from referral.hsds.package import clock, load
from referral.matching.geo import haversine_one
from referral.models import NeedTerm, Organization, Service, ServiceAtLocation, ServiceNeed, Site
from referral.queries import page_of, paginate, window

EVERYTHING = 10**9  # per_page of format=ndjson: every result


def envelope(items: Sequence[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    """The HSDS Page: total_items, total_pages, page_number, size, first/last page, empty, contents."""
    pages = math.ceil(total / per_page) if total else 0
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(items),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not items,
        "contents": list(items),
    }


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _search(session: Session, query: Select, model: Any, text: str | None, *also: Any) -> Select:
    """Listings the directory's search engine (search.py) finds for ``text``, or whose ``also``
    columns hold it."""
    if not text:
        return query
    ids = search.ranked_ids(session, select(model), model, text)
    return query.where(or_(model.id.in_(ids), *(func.lower(c).like(_like(text), escape="\\") for c in also)))


def _codes_for_term(session: Session, term: str) -> list[str]:
    """Need codes a taxonomy_term_id stands for (with the terms below ours); [] when unknown."""
    codes: list[str] = []
    for code, oe, labels in session.execute(select(NeedTerm.code, NeedTerm.open_eligibility, NeedTerm.labels)):
        ids = {term_id(code), code} | {derived(term_id(code), "language", lang) for lang in labels or {}}
        if term in ids or (oe and term == open_eligibility_term_id(oe)):  # a translation's id stands for it too
            codes.append(code)
    return codes


def _service_filters(session: Session, query: Select, args: Mapping[str, Any]) -> Select:
    query = query.join(Organization, Organization.id == Service.organization_id).where(Organization.status == "active")
    query = _search(session, query, Service, args.get("search"))
    if "organization_id" in args:
        query = query.where(Service.organization_id == args["organization_id"])
    if "modified_after" in args:
        query = query.where(Service.updated_at >= args["modified_after"])
    if "taxonomy_id" in args:
        query = query.where(Service.id.in_(_services_of_taxonomy(session, args["taxonomy_id"])))
    if "taxonomy_term_id" in args:
        codes = _codes_for_term(session, args["taxonomy_term_id"])
        wanted = [ServiceNeed.need_code == c for c in codes] + [ServiceNeed.need_code.like(f"{c}.%") for c in codes]
        query = (
            query.where(Service.id.in_(select(ServiceNeed.service_id).where(or_(*wanted))))
            if codes
            else query.where(False)
        )
    return query


def _services_of_taxonomy(session: Session, taxonomy_id: str) -> Select:
    """Ids of services with any term of the taxonomy: our needs, Open Eligibility, eligibility, matching."""
    linked = select(ServiceNeed.service_id)
    if taxonomy_id == export.OPEN_ELIGIBILITY_ID:
        return linked.join(NeedTerm, NeedTerm.code == ServiceNeed.need_code).where(
            NeedTerm.open_eligibility.is_not(None)
        )
    if taxonomy_id == export.TAXONOMY_ID:
        return linked
    if taxonomy_id == export.ELIGIBILITY_ID:
        # json_array_length: SQLite and PostgreSQL (json) both have it
        return select(Service.id).where(
            or_(func.json_array_length(Service.genders) > 0, func.json_array_length(Service.target_groups) > 0)
        )
    if taxonomy_id == extension.TAXONOMY_ID:
        return select(Service.id)
    return select(Service.id).where(False)


def _page(session: Session, query: Select, args: Mapping[str, Any], render: Callable[[Any], Any]) -> dict:
    found = paginate(session, query, args["page"], args["per_page"])
    return envelope([render(r) for r in found.items], found.total, found.page, found.per_page)


def services(
    session: Session, args: Mapping[str, Any], language: str = "en", timezone: str | None = None
) -> dict[str, Any]:
    """A page of services: briefs with their organization; ``full`` whole services; ``minimal`` ids and
    last_modified, with the name and status the official service_list schema requires."""
    query = _service_filters(session, select(Service), args).order_by(Service.id)
    orgs: dict[str, Organization] = {}
    refs: dict[str, Any] = {}

    def render(svc: Service) -> dict[str, Any]:
        if args.get("minimal"):
            brief = export.service_brief(svc)
            return {key: brief[key] for key in ("id", "name", "status", "last_modified")}
        org = orgs.get(svc.organization_id) or session.get(Organization, svc.organization_id)
        orgs[svc.organization_id] = org
        if args.get("full"):
            ref = refs.get(svc.organization_id) or load(session, svc.organization_id, language, timezone)[2]
            refs[svc.organization_id] = ref
            return {**export.service(svc, ref), "organization": export.organization_brief(org)}
        return {**export.service_brief(svc), "organization": export.organization_brief(org)}

    return _page(session, query, args, render)


def service(session: Session, service_id: str, language: str, timezone: str | None = None) -> dict[str, Any]:
    svc = session.get(Service, service_id)
    if svc is None:
        raise NotFound("service", service_id)
    _, _, ref = load(session, svc.organization_id, language, timezone)
    org = session.get(Organization, svc.organization_id)
    return {**export.service(svc, ref), "organization": export.organization_brief(org)}


def organizations(
    session: Session, args: Mapping[str, Any], language: str = "en", timezone: str | None = None
) -> dict[str, Any]:
    query = select(Organization).where(Organization.status == "active").order_by(Organization.id)
    query = _search(session, query, Organization, args.get("search"))
    if args.get("full") or args.get("full_service"):
        return _page(session, query, args, lambda org: organization(session, org.id, language, timezone=timezone))
    return _page(session, query, args, export.organization_brief)


def organization(
    session: Session, organization_id: str, language: str, full_service: bool = True, timezone: str | None = None
) -> dict[str, Any]:
    """A full organization; without ``full_service`` its services are their one-to-one fields."""
    orgs, by_org, ref = load(session, organization_id, language, timezone)
    found = export.organization(orgs[0], by_org[orgs[0].id], ref)
    if not full_service:
        found["services"] = [export.service_brief(s) for s in sorted(by_org[orgs[0].id], key=lambda s: s.id)]
    return found


def service_at_location(session: Session, link_id: str, language: str, timezone: str | None = None) -> dict[str, Any]:
    """One service_at_location with its location and its full service."""
    link = session.get(ServiceAtLocation, link_id)
    site = session.get(Site, link.site_id) if link else None
    svc = session.get(Service, link.service_id) if link else None
    if link is None or site is None or svc is None or site.status != "active":
        raise NotFound("service_at_location", link_id)
    ref = load(session, svc.organization_id, language, timezone)[2]
    return {**export.service_at_location(link_id, svc, site), "service": export.service(svc, ref)}


def taxonomy(taxonomy_id: str) -> dict[str, Any]:
    found = next((t for t in export.taxonomies() if t["id"] == taxonomy_id), None)
    if found is None:
        raise NotFound("taxonomy", taxonomy_id)
    return found


def taxonomy_term(session: Session, term: str, language: str) -> dict[str, Any]:
    page = taxonomy_terms(session, {"page": 1, "per_page": EVERYTHING}, language)
    found = next((t for t in page["contents"] if t["id"] == term), None)
    if found is None:
        raise NotFound("taxonomy_term", term)
    return found


def service_at_locations(
    session: Session, args: Mapping[str, Any], language: str = "en", timezone: str | None = None
) -> dict[str, Any]:
    """Links of services to active sites; with ``proximity`` (metres), only those near lat/lon (or near
    the centroid of the sites at ``postcode``); ``full``: with their full service."""
    base = select(ServiceAtLocation.id, Service, Site)
    query = (
        _service_filters(session, base, {k: v for k, v in args.items() if k != "search"})
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Site, Site.id == ServiceAtLocation.site_id)
        .where(Site.status == "active")
    )
    query = _search(session, query, Service, args.get("search"), Site.name)
    rows = session.execute(query.order_by(ServiceAtLocation.id)).all()
    if "postcode" in args:
        rows = _at_postcode(rows, args["postcode"], args.get("proximity"))
    elif "proximity" in args and "lat" in args:
        rows = _near(rows, args["lat"], args["lon"], args["proximity"] / 1000.0)
    page, per_page = args["page"], args["per_page"]
    chosen = rows[window(page, per_page)]
    now = clock(timezone)
    items = [export.service_at_location(link_id, svc, site, now) for link_id, svc, site in chosen]
    if args.get("full"):
        refs: dict[str, Any] = {}
        for item, (_, svc, _) in zip(items, chosen):
            refs.setdefault(svc.organization_id, load(session, svc.organization_id, language, timezone)[2])
            item["service"] = export.service(svc, refs[svc.organization_id])
    return envelope(items, len(rows), page, per_page)


def _at_postcode(rows: Sequence[Any], postcode: str, proximity: float | None) -> list[Any]:
    """Rows whose site's address names the postcode; with ``proximity`` (metres), every row within it
    of their centroid (the postcode's point: this directory knows postcodes only from addresses)."""
    word = postcode.strip().lower()
    at = [row for row in rows if word and word in (row[2].address or "").lower().replace(",", " ").split()]
    if proximity is None or not at:
        return at
    lat = sum(r[2].latitude for r in at) / len(at)
    lon = sum(r[2].longitude for r in at) / len(at)
    return _near(rows, lat, lon, proximity / 1000.0)


def _near(rows: Sequence[Any], lat: float, lon: float, km: float) -> list[Any]:
    """Rows whose site lies within ``km`` of the point, nearest first (then by id)."""
    scored = [(haversine_one(lat, lon, row[2].latitude, row[2].longitude), row[0], row) for row in rows]
    return [row for d, _, row in sorted(scored, key=lambda x: (x[0], x[1])) if d <= km]


def taxonomies(args: Mapping[str, Any]) -> dict[str, Any]:
    items = export.taxonomies()
    if args.get("search"):
        items = [t for t in items if args["search"].lower() in (t["name"] + t["description"]).lower()]
    return _slice(items, args)


def taxonomy_terms(session: Session, args: Mapping[str, Any], language: str) -> dict[str, Any]:
    terms = session.scalars(select(NeedTerm).order_by(NeedTerm.position, NeedTerm.code))
    items = export.taxonomy_terms(terms, language) + extension.terms()  # ours: the vocabulary of our attributes
    details = {t["id"]: t for t in export.taxonomies()}
    for key in ("taxonomy_id", "parent_id"):
        if key in args:
            items = [t for t in items if t.get(key) == args[key]]
    if args.get("top_only"):
        items = [t for t in items if not t.get("parent_id")]
    if args.get("search"):
        items = [t for t in items if args["search"].lower() in f"{t['name']} {t.get('code', '')}".lower()]
    items = [{**t, "taxonomy_detail": details[t["taxonomy_id"]]} for t in items]
    return _slice(items, args)


def _slice(items: list[dict[str, Any]], args: Mapping[str, Any]) -> dict[str, Any]:
    found = page_of(items, args["page"], args["per_page"])
    return envelope(found.items, found.total, found.page, found.per_page)
