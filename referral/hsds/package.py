"""Writing an export: load the directory (or one organization) and render it as HSDS 3.0 JSON (a list
of full organization objects) or as a tabular data package (datapackage.json and CSV files with
exactly the columns of ``schema/compiled/tabular.json``), optionally zipped, byte for byte stable.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from referral.errors import NotFound
from referral.hsds import export
from referral.hsds.sources import JsonSource
from referral.hsds.tabular import FILES, datapackage, write_rows
from referral.models import NeedTerm, Organization, Place, Service, Site

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed member timestamps: the same directory zips to the same bytes


def load(session: Session, organization_id: str | None, language: str) -> tuple[list[Organization],
                                                                                 dict[str, list[Service]],
                                                                                 export.Reference]:
    """Active organizations (or the one asked for), their services and active sites, and the reference."""
    query = select(Organization).where(Organization.status == "active").order_by(Organization.id)
    if organization_id is not None:
        query = select(Organization).where(Organization.id == organization_id)
    organizations = list(session.scalars(query))
    if organization_id is not None and not organizations:
        raise NotFound("organization", organization_id)
    ids = [o.id for o in organizations]
    services = session.scalars(select(Service).where(Service.organization_id.in_(ids)).order_by(Service.id)
                               .options(selectinload(Service.need_links), selectinload(Service.area_links),
                                        selectinload(Service.site_links))) if ids else []
    by_org: dict[str, list[Service]] = {i: [] for i in ids}
    for svc in services:
        by_org[svc.organization_id].append(svc)
    sites = session.scalars(select(Site).where(Site.organization_id.in_(ids), Site.status == "active")) if ids else []
    ref = export.Reference(terms={t.code: t for t in session.scalars(select(NeedTerm))},
                           places={p.code: p for p in session.scalars(select(Place))},
                           sites={s.id: s for s in sites}, language=language)
    return organizations, by_org, ref


def organizations(session: Session, organization_id: str | None = None, language: str = "en") -> list[dict[str, Any]]:
    orgs, services, ref = load(session, organization_id, language)
    return [export.organization(o, services[o.id], ref) for o in orgs]


def to_json(session: Session, organization_id: str | None = None, language: str = "en") -> bytes:
    """HSDS 3.0 JSON: a list of full organization objects."""
    data = organizations(session, organization_id, language)
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def to_tables(session: Session, organization_id: str | None = None, language: str = "en") -> dict[str, bytes]:
    """The tabular data package: file name -> bytes, datapackage.json included."""
    flat = JsonSource("export", organizations(session, organization_id, language))
    tables: dict[str, list[dict[str, Any]]] = {t: [r.data for r in flat.rows(t)] for t in flat.tables()}
    terms = session.scalars(select(NeedTerm).order_by(NeedTerm.position, NeedTerm.code))
    restrictions = {r["id"]: r for r in tables.get("taxonomy_term", []) if r.get("taxonomy_id") == export.ELIGIBILITY_ID}
    tables["taxonomy_term"] = export.taxonomy_terms(terms, language) + [restrictions[k] for k in sorted(restrictions)]
    tables["taxonomy"] = export.taxonomies()
    for table in ("organization", "service", "location", "service_at_location"):
        tables.setdefault(table, [])
    files: dict[str, bytes] = {}
    for table in sorted(tables):
        buffer = io.StringIO()
        write_rows(buffer, table, sorted(tables[table], key=lambda r: str(r.get("id"))))
        files[FILES[table]] = buffer.getvalue().encode("utf-8")
    descriptor = datapackage(tables)
    files["datapackage.json"] = (json.dumps(descriptor, indent=2) + "\n").encode("utf-8")
    return dict(sorted(files.items()))


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()
