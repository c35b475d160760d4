"""Keeping listings true: editors confirm them, admins see the stale ones, anyone with a key
reports a wrong one and its editors or an admin resolve the report.

Takes a session; commits its writes with an audit event.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from referral import audit
from referral.directory import get
from referral.errors import N_, Invalid, NotFound
from referral.models import ListingReport, Service
from referral.policy import Principal, require_edit
from referral.queries import Page, paginate


def confirm(session: Session, actor: Principal, service_id: str, today: date | None = None) -> Service:
    """The owning editor (or an admin) says the listing is still accurate: verified_at = today."""
    service = get(session, Service, service_id)
    require_edit(actor, service.organization_id)
    before = service.verified_at
    service.verified_at = today or datetime.now(UTC).date()
    session.flush()
    audit.record(
        session,
        actor,
        "confirm",
        "service",
        service.id,
        {"verified_at": [before.isoformat() if before else None, service.verified_at.isoformat()]},
    )
    session.commit()  # freshness is part of the score: the commit bumps the version (referral.versioning)
    return service


def stale(session: Session, days: int, page: int, per_page: int, today: date | None = None) -> Page:
    """Active services not confirmed in ``days`` days (never confirmed first, then oldest)."""
    cutoff = (today or datetime.now(UTC).date()) - timedelta(days=days)
    query = select(Service).where(
        Service.status == "active", or_(Service.verified_at.is_(None), Service.verified_at < cutoff)
    )
    return paginate(session, query, page, per_page, Service.verified_at.is_not(None), Service.verified_at, Service.id)


def report(session: Session, actor: Principal, service_id: str, reason: str) -> ListingReport:
    """Anyone with a key reports that a listing is wrong."""
    get(session, Service, service_id)
    filed = ListingReport(service_id=service_id, reported_by=actor.actor, reason=reason)
    session.add(filed)
    session.flush()
    audit.record(session, actor, "report", "service", service_id, {"report": [None, filed.id]})
    session.commit()
    return filed


def reports_for(session: Session, actor: Principal, service_id: str) -> list[ListingReport]:
    """A service's reports, for its editors and admins."""
    service = get(session, Service, service_id)
    require_edit(actor, service.organization_id)
    return list(
        session.scalars(
            select(ListingReport)
            .where(ListingReport.service_id == service_id)
            .order_by(ListingReport.created_at, ListingReport.id)
        )
    )


def reports(session: Session, args: Mapping[str, Any]) -> Page:
    """All reports (admins), open ones by default."""
    query = select(ListingReport)
    if args["status"] != "any":
        query = query.where(ListingReport.status == args["status"])
    return paginate(session, query, args["page"], args["per_page"], ListingReport.created_at, ListingReport.id)


def resolve(session: Session, actor: Principal, report_id: str, resolution: str) -> ListingReport:
    filed = session.get(ListingReport, report_id)
    if filed is None:
        raise NotFound("report", report_id)
    require_edit(actor, get(session, Service, filed.service_id).organization_id)
    if filed.status == "resolved":
        raise Invalid("status", N_("this report is already resolved"))
    filed.status, filed.resolution = "resolved", resolution
    filed.resolved_at, filed.resolved_by = datetime.now(UTC), actor.actor
    audit.record(session, actor, "resolve", "report", filed.id, {"status": ["open", "resolved"]})
    session.commit()
    return filed
