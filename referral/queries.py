"""Read-only directory queries: filtered, paginated lists of organizations, sites and services.

Takes a session; never writes. Search (``q``) ranks what the exact filters left with the directory's
one search engine (search.py: names, descriptions and the needs a query reads as).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from referral import search
from referral.errors import N_, Invalid
from referral.matching.text import closest
from referral.models import Organization, Place, Service, ServiceArea, ServiceAtLocation, ServiceNeed, Site


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    total: int
    page: int
    per_page: int


def list_organizations(session: Session, args: Mapping[str, Any]) -> Page:
    return _page(session, _with_status(select(Organization), Organization, args), args)


def list_sites(session: Session, args: Mapping[str, Any]) -> Page:
    query = _with_status(select(Site), Site, args)
    if "organization" in args:
        query = query.where(Site.organization_id == args["organization"])
    if "place" in args:
        query = query.where(Site.place_code.in_(place_subtree(session, args["place"])))
    return _page(session, query, args)


def list_services(session: Session, args: Mapping[str, Any]) -> Page:
    query = _with_status(select(Service), Service, args)
    if "organization" in args:
        query = query.where(Service.organization_id == args["organization"])
    if args.get("accepting"):
        query = query.where(Service.capacity == "accepting")
    if "need" in args:
        query = query.where(_has_need(args["need"]))
    if "place" in args:
        query = query.where(_in_place(place_subtree(session, args["place"])))
    query = query.options(
        selectinload(Service.need_links), selectinload(Service.area_links), selectinload(Service.site_links)
    )
    return _page(session, query, args)


def place_subtree(session: Session, code: str) -> set[str]:
    """``code`` and every place below it; Invalid (with suggestions) for an unknown code."""
    if session.get(Place, code) is None:
        every = session.scalars(select(Place.code)).all()
        raise Invalid("place", N_("unknown place code {code}"), closest(code, every), code=repr(code))
    found, frontier = {code}, [code]
    while frontier:
        frontier = list(session.scalars(select(Place.code).where(Place.parent_code.in_(frontier))))
        found.update(frontier)
    return found


def _has_need(code: str) -> Any:
    """The service lists ``code`` or a more specific term below it."""
    return Service.id.in_(
        select(ServiceNeed.service_id).where(
            or_(ServiceNeed.need_code == code, ServiceNeed.need_code.like(_escape_like(code) + ".%", escape="\\"))
        )
    )


def _in_place(codes: set[str]) -> Any:
    """Offered at a site inside the place, or its service area names the place or a sub-place."""
    at_site = (
        select(ServiceAtLocation.service_id)
        .join(Site, Site.id == ServiceAtLocation.site_id)
        .where(Site.place_code.in_(codes))
    )
    in_area = select(ServiceArea.service_id).where(ServiceArea.place_code.in_(codes))
    return or_(Service.id.in_(at_site), Service.id.in_(in_area))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _with_status(query: Select, model: type[Any], args: Mapping[str, Any]) -> Select:
    status = args.get("status", "active")
    return query if status == "any" else query.where(model.status == status)


def _page(session: Session, query: Select, args: Mapping[str, Any]) -> Page:
    page, per_page = args["page"], args["per_page"]
    model = query.column_descriptions[0]["entity"]
    if "q" in args:
        return _fuzzy_page(session, query, model, args["q"], page, per_page)
    return paginate(session, query, page, per_page, model.name, model.id)


def window(page: int, per_page: int) -> slice:
    """The positions (from 0) of page ``page`` (from 1): every list the project pages is cut here."""
    return slice((page - 1) * per_page, page * per_page)


def paginate(session: Session, query: Select, page: int, per_page: int, *order: Any) -> Page:
    """Page ``page`` (from 1) of ``query`` in ``order`` (end it with an id: a stable order; none keeps
    the query's own), and the total count: every paginated list read from the database goes through here."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    ordered = query.order_by(*order) if order else query
    rows = session.scalars(ordered.offset(window(page, per_page).start).limit(per_page)).all()
    return Page(rows, total or 0, page, per_page)


def page_of(items: Sequence[Any], page: int, per_page: int) -> Page:
    """Page ``page`` of a list already in memory (ranked or filtered in Python)."""
    return Page(items[window(page, per_page)], len(items), page, per_page)


def _fuzzy_page(session: Session, query: Select, model: Any, q: str, page: int, per_page: int) -> Page:
    """Rank the filtered listings by how well they match ``q`` (search.py)."""
    ranked = search.ranked_ids(session, query, model, q)
    chosen = ranked[window(page, per_page)]
    loaded = {obj.id: obj for obj in session.scalars(query.where(model.id.in_(chosen)))}
    return Page([loaded[key] for key in chosen], len(ranked), page, per_page)
