"""Writing an export: load the directory (or one organization) and render it as HSDS 3.0 JSON (a list
of full organization objects) or as a tabular data package (datapackage.json and CSV files with
exactly the columns of ``schema/compiled/tabular.json``), optionally zipped, byte for byte stable.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from types import SimpleNamespace
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from referral.errors import NotFound
from referral.hsds import export, extension, flatten
from referral.hsds.tabular import COLUMNS, FILES, append_rows, datapackage, write_rows
from referral.models import NeedTerm, Organization, Place, Service, ServiceArea, ServiceAtLocation, ServiceNeed, Site

Progress = Callable[[int, int], None]  # (services written, services to write)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed member timestamps: the same directory zips to the same bytes


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # built once, not per object
CHUNK = 500  # organizations loaded at a time: memory stays bounded, time linear


def load(
    session: Session, organization_id: str | None, language: str, timezone: str | None = None
) -> tuple[list[Organization], dict[str, list[Service]], export.Reference]:
    """Active organizations (or the one asked for), their services and active sites, and the reference
    (``timezone``: the IANA zone whose current offset times carry; None: none)."""
    query = select(Organization).where(Organization.status == "active").order_by(Organization.id)
    if organization_id is not None:
        query = select(Organization).where(Organization.id == organization_id)
    organizations = list(session.scalars(query))
    if organization_id is not None and not organizations:
        raise NotFound("organization", organization_id)
    terms, places = _reference(session)
    return _load_chunk(session, organizations, language, terms, places, clock(timezone))


def clock(timezone: str | None, moment: datetime | None = None) -> export.Clock | None:
    """The offset of ``timezone`` at ``moment`` (now): what exported times carry."""
    if not timezone:
        return None
    offset = (moment or datetime.now(ZoneInfo(timezone))).astimezone(ZoneInfo(timezone)).utcoffset()
    return export.Clock(offset) if offset is not None else None


def _reference(session: Session) -> tuple[dict[str, NeedTerm], dict[str, Place]]:
    return ({t.code: t for t in session.scalars(select(NeedTerm))}, {p.code: p for p in session.scalars(select(Place))})


def _load_chunk(
    session: Session,
    organizations: list[Organization],
    language: str,
    terms: dict[str, NeedTerm],
    places: dict[str, Place],
    clock: export.Clock | None = None,
) -> tuple[list[Organization], dict[str, list[Service]], export.Reference]:
    ids = [o.id for o in organizations]
    services = (
        session.scalars(
            select(Service)
            .where(Service.organization_id.in_(ids))
            .order_by(Service.id)
            .options(
                selectinload(Service.need_links), selectinload(Service.area_links), selectinload(Service.site_links)
            )
        )
        if ids
        else []
    )
    by_org: dict[str, list[Service]] = {i: [] for i in ids}
    for svc in services:
        by_org[svc.organization_id].append(svc)
    sites = session.scalars(select(Site).where(Site.organization_id.in_(ids), Site.status == "active")) if ids else []
    ref = export.Reference(terms=terms, places=places, sites={s.id: s for s in sites}, language=language, clock=clock)
    return organizations, by_org, ref


def _namespaces(session: Session, statement: Any) -> list[SimpleNamespace]:
    """Rows as plain attribute objects (what the builders read), without the ORM's identity map."""
    return [SimpleNamespace(**row._mapping) for row in session.execute(statement)]


def _grouped(session: Session, owner: Any, value: Any, ids: list[str]) -> dict[str, list[Any]]:
    """``value`` by ``owner`` for the owners in ``ids`` (IN lists of ``CHUNK``), sorted."""
    found: dict[str, list[Any]] = {}
    for start in range(0, len(ids), CHUNK):
        for key, item in session.execute(select(owner, value).where(owner.in_(ids[start : start + CHUNK]))):
            found.setdefault(key, []).append(item)
    return {key: sorted(items) for key, items in found.items()}


def _bulk_chunk(
    session: Session,
    ids: list[str],
    language: str,
    terms: dict[str, NeedTerm],
    places: dict[str, Place],
    clock: export.Clock | None,
) -> tuple[list[Any], dict[str, list[Any]], export.Reference]:
    """One chunk of organizations, their services (with needs, areas and site links) and active sites,
    read with a few queries per table (Core rows: an export builds no ORM objects)."""
    organizations = _namespaces(
        session, select(Organization.__table__).where(Organization.id.in_(ids)).order_by(Organization.id)
    )
    services = _namespaces(
        session, select(Service.__table__).where(Service.organization_id.in_(ids)).order_by(Service.id)
    )
    service_ids = [svc.id for svc in services]
    needs = _grouped(session, ServiceNeed.service_id, ServiceNeed.need_code, service_ids)
    areas = _grouped(session, ServiceArea.service_id, ServiceArea.place_code, service_ids)
    links: dict[str, list[Any]] = {}
    for start in range(0, len(service_ids), CHUNK):
        for link in _namespaces(
            session,
            select(ServiceAtLocation.__table__).where(
                ServiceAtLocation.service_id.in_(service_ids[start : start + CHUNK])
            ),
        ):
            links.setdefault(link.service_id, []).append(link)
    by_org: dict[str, list[Any]] = {i: [] for i in ids}
    for svc in services:
        svc.needs, svc.area_places = needs.get(svc.id, []), areas.get(svc.id, [])
        svc.site_links = sorted(links.get(svc.id, []), key=lambda link: link.site_id)
        by_org[svc.organization_id].append(svc)
    sites = _namespaces(session, select(Site.__table__).where(Site.organization_id.in_(ids), Site.status == "active"))
    ref = export.Reference(terms=terms, places=places, sites={s.id: s for s in sites}, language=language, clock=clock)
    return organizations, by_org, ref


def iter_organizations(
    session: Session,
    organization_id: str | None = None,
    language: str = "en",
    progress: Progress | None = None,
    timezone: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Full HSDS organizations one at a time, loaded ``CHUNK`` organizations at a time; ``progress`` gets
    (services written, services to write) after each chunk; times carry ``timezone``'s offset."""
    total = session.scalar(
        select(func.count())
        .select_from(Service)
        .join(Organization)
        .where(Organization.id == organization_id if organization_id is not None else Organization.status == "active")
    )
    done = 0
    if organization_id is not None:
        orgs, by_org, ref = load(session, organization_id, language, timezone)
        yield export.organization(orgs[0], by_org[orgs[0].id], ref)
        if progress:
            progress(total or 0, total or 0)
        return
    terms, places, now = *_reference(session), clock(timezone)
    ids = list(
        session.scalars(select(Organization.id).where(Organization.status == "active").order_by(Organization.id))
    )
    for start in range(0, len(ids), CHUNK):
        orgs, by_org, ref = _bulk_chunk(session, ids[start : start + CHUNK], language, terms, places, now)
        for org in orgs:
            yield export.organization(org, by_org[org.id], ref)
            done += len(by_org[org.id])
        if progress:  # once a chunk: a background job may record each report
            progress(done, max(total or 0, done))
    if progress and not ids:
        progress(0, 0)


def organizations(
    session: Session, organization_id: str | None = None, language: str = "en", timezone: str | None = None
) -> list[dict[str, Any]]:
    return list(iter_organizations(session, organization_id, language, timezone=timezone))


def write_json(
    session: Session,
    stream: IO[str],
    organization_id: str | None = None,
    language: str = "en",
    progress: Progress | None = None,
    timezone: str | None = None,
) -> None:
    """HSDS 3.0 JSON, streamed: a list of full organization objects, one a line (compact: the C encoder)."""
    first = True
    for org in iter_organizations(session, organization_id, language, progress, timezone):
        stream.write(("[\n" if first else ",\n") + _ENCODE(org))
        first = False
    stream.write("[]\n" if first else "\n]\n")


def to_json(
    session: Session, organization_id: str | None = None, language: str = "en", timezone: str | None = None
) -> bytes:
    """HSDS 3.0 JSON: a list of full organization objects."""
    buffer = io.StringIO()
    write_json(session, buffer, organization_id, language, timezone=timezone)
    return buffer.getvalue().encode("utf-8")


def write_tables(
    session: Session,
    open_file: Callable[[str], IO[str]],
    organization_id: str | None = None,
    language: str = "en",
    progress: Progress | None = None,
    timezone: str | None = None,
) -> list[str]:
    """The tabular data package, streamed: each CSV written as the organizations are (rows sorted by id
    within each chunk), then the taxonomy and datapackage.json; returns the file names."""
    streams: dict[str, Any] = {}
    restrictions: dict[str, dict[str, Any]] = {}
    chunk: list[dict[str, Any]] = []

    def flush() -> None:
        for table, rows in flatten.tables(chunk).items():
            if table == "taxonomy_term":
                restrictions.update(
                    {r["id"]: r for r in rows if r.get("taxonomy_id") in (export.ELIGIBILITY_ID, extension.TAXONOMY_ID)}
                )
                continue
            if table == "taxonomy":
                continue
            _table_writer(streams, open_file, table).writerows(rows)
        chunk.clear()

    for org in iter_organizations(session, organization_id, language, progress, timezone):
        chunk.append(org)
        if len(chunk) >= CHUNK:
            flush()
    flush()
    terms = session.scalars(select(NeedTerm).order_by(NeedTerm.position, NeedTerm.code))
    tables_left = {
        "taxonomy_term": export.taxonomy_terms(terms, language) + [restrictions[k] for k in sorted(restrictions)],
        "taxonomy": export.taxonomies(),
    }
    for table, rows in tables_left.items():
        _table_writer(streams, open_file, table).writerows(rows)
    for table in COLUMNS:  # every table of the official descriptor, if only its header
        _table_writer(streams, open_file, table)
    for writer in streams.values():
        writer.close()
    with open_file("datapackage.json") as handle:
        handle.write(json.dumps(datapackage(streams), indent=2) + "\n")
    return sorted([FILES[t] for t in streams] + ["datapackage.json"])


class _TableWriter:
    def __init__(self, stream: IO[str], table: str):
        self.stream, self.table, self.rows = stream, table, 0
        write_rows(stream, table, [])  # the header

    def writerows(self, rows: list[dict[str, Any]]) -> None:
        append_rows(self.stream, self.table, rows)

    def close(self) -> None:
        self.stream.close()


def _table_writer(streams: dict[str, Any], open_file: Callable[[str], IO[str]], table: str) -> _TableWriter:
    if table not in streams:
        streams[table] = _TableWriter(open_file(FILES[table]), table)
    return streams[table]


class _Kept(io.StringIO):
    """A StringIO whose text outlives close() (to_tables collects the files in memory)."""

    def close(self) -> None:
        self.kept = self.getvalue()
        super().close()


def to_tables(
    session: Session, organization_id: str | None = None, language: str = "en", timezone: str | None = None
) -> dict[str, bytes]:
    """The tabular data package: file name -> bytes, datapackage.json included."""
    opened: dict[str, _Kept] = {}

    def open_file(name: str) -> _Kept:
        opened[name] = _Kept()
        return opened[name]

    write_tables(session, open_file, organization_id, language, timezone=timezone)
    return {name: opened[name].kept.encode("utf-8") for name in sorted(opened)}


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()
