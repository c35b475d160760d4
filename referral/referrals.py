"""The referral use cases: send a child to a matched service, move the referral through its statuses,
list inboxes, mark the service full, and purge personal fields after the retention time.

Takes a session (and a ``Sealer`` for the personal fields); commits its own writes with an audit
event and, for each change, the webhook events in the same transaction (referral.webhooks). The
rules that need no database live in referral.referral_rules. Must not depend on Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from referral import audit, directory, webhooks
from referral.errors import N_, Invalid, NotFound, StaleVersion
from referral.models import NeedTerm, Organization, Referral, Service, ServiceAtLocation
from referral.policy import Forbidden, Principal
from referral.queries import Page, paginate
from referral.referral_rules import CLOSED, can_read, check_child_ref, check_transition
from referral.sealing import Sealer

PERSONAL = ("message_sealed", "child_ref_sealed", "family_contact_sealed", "consent_sealed")


def create(
    session: Session, actor: Principal, sealer: Sealer, data: Mapping[str, Any], now: datetime | None = None
) -> Referral:
    """A new ``requested`` referral to an active service (at one of its sites, when given)."""
    if actor.role not in ("social_worker", "case_app"):
        raise Forbidden(N_("Only a social worker or a case app sends referrals."))
    now = now or datetime.now(UTC)
    service = _service(session, data["service_id"], data.get("site_id"))
    _check_needs(session, [n["code"] for n in data["needs"]])
    check_child_ref(data["child_ref"])
    if data.get("family_contact") and not data.get("consent"):
        raise Invalid(
            "consent", N_("the family's contact is sent only with their consent attested (who, when, for what)")
        )
    referral = Referral(
        service_id=service.id,
        site_id=data.get("site_id"),
        organization_id=service.organization_id,
        referrer_account_id=actor.account_id,
        referrer=actor.actor,
        needs=[{"code": n["code"], "severity": n["severity"]} for n in data["needs"]],
        urgency=data.get("urgency", "routine"),
        status="requested",
        message_sealed=sealer.seal(data.get("message")),
        child_ref_sealed=sealer.seal(data["child_ref"]),
        family_contact_sealed=sealer.seal_json(data.get("family_contact")),
        consent_sealed=sealer.seal_json(_consent(data.get("consent"))) if data.get("family_contact") else None,
        has_family_contact=bool(data.get("family_contact")),
        created_at=now,
        updated_at=now,
    )
    session.add(referral)
    session.flush()
    audit.record(session, actor, "create", "referral", referral.id, audit.diff({}, facts(referral)))
    webhooks.enqueue(session, referral, "referral.created", now)
    session.commit()
    return referral


def _consent(consent: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if consent is None:
        return None
    return {"given_by": consent["given_by"], "given_at": consent["given_at"].isoformat(), "purpose": consent["purpose"]}


def facts(referral: Referral) -> dict[str, Any]:
    """What the audit trail keeps of a referral: never a personal field."""
    return {
        "service_id": referral.service_id,
        "site_id": referral.site_id,
        "organization_id": referral.organization_id,
        "needs": referral.needs,
        "urgency": referral.urgency,
        "status": referral.status,
        "decline_reason": referral.decline_reason,
        "has_family_contact": referral.has_family_contact,
    }


def _service(session: Session, service_id: str, site_id: str | None) -> Service:
    service = session.get(Service, service_id)
    organization = session.get(Organization, service.organization_id) if service is not None else None
    if service is None or service.status != "active" or organization is None or organization.status != "active":
        raise Invalid("service_id", N_("no active service with this id"))
    if site_id is not None:
        offered = session.scalar(
            select(ServiceAtLocation.site_id).where(
                ServiceAtLocation.service_id == service_id, ServiceAtLocation.site_id == site_id
            )
        )
        if offered is None:
            raise Invalid("site_id", N_("the service is not offered at this site"))
    return service


def _check_needs(session: Session, codes: list[str]) -> None:
    known = set(session.scalars(select(NeedTerm.code).where(NeedTerm.code.in_(codes))))
    for i, code in enumerate(codes):
        if code not in known:
            raise Invalid(f"needs[{i}].code", N_("unknown need code {code}"), code=repr(code))


def get(session: Session, actor: Principal, referral_id: str, for_update: bool = False) -> Referral:
    """One referral the caller may see (admins, its referrer, its receiving organization's editors).
    Others get NotFound: a referral's existence is itself private."""
    referral = session.get(Referral, referral_id, with_for_update=for_update)
    if referral is None or not can_read(actor, referral.organization_id, referral.referrer_account_id):
        raise NotFound("referral", referral_id)
    return referral


def transition(
    session: Session,
    actor: Principal,
    referral_id: str,
    status: str,
    reason: str | None,
    expected_version: int | None,
    now: datetime | None = None,
) -> Referral:
    """Move a referral to ``status`` if the caller saw the current version and may make this move."""
    now = now or datetime.now(UTC)
    referral = get(session, actor, referral_id, for_update=True)
    if expected_version is not None and referral.version != expected_version:
        raise StaleVersion("referral", referral.version)
    check_transition(actor, referral.organization_id, referral.referrer_account_id, referral.status, status)
    if (status == "declined") != (reason is not None):
        raise Invalid(
            "reason", N_("a decline needs a reason") if status == "declined" else N_("only a decline has a reason")
        )
    before = facts(referral)
    _apply(referral, status, reason, now)
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise StaleVersion(
            "referral", session.scalar(select(Referral.version).where(Referral.id == referral_id)) or 0
        ) from None
    audit.record(session, actor, "status", "referral", referral.id, audit.diff(before, facts(referral)))
    webhooks.enqueue(session, referral, "referral.status_changed", now, previous=before["status"])
    session.commit()  # a decision bumps the directory version: matches learn the outcome (referral.versioning)
    return referral


def _apply(referral: Referral, status: str, reason: str | None, now: datetime) -> None:
    referral.status, referral.decline_reason, referral.updated_at = status, reason, now
    if status in ("accepted", "declined") and referral.decided_at is None:
        referral.decided_at = now
    if status == "accepted":
        referral.accepted_at = now
    if status in CLOSED:
        referral.closed_at = now


def mark_service_full(session: Session, actor: Principal, referral_id: str) -> Service:
    """The receiving organization's editor marks the referral's service full, from the inbox, in one step."""
    referral = get(session, actor, referral_id)
    if actor.role != "org_editor" or actor.organization_id != referral.organization_id:
        raise Forbidden(N_("Only the receiving organization's editors change its service's capacity."))
    return directory.update_listing(
        session, actor, Service, referral.service_id, {"capacity": "full", "wait_days": None}, None
    )


def inbox(session: Session, actor: Principal, args: Mapping[str, Any]) -> Page:
    """Referrals the caller may see, newest change first: all (admin), sent to the editor's
    organization, or sent by the caller's account; filtered by status and updated_since."""
    query = select(Referral)
    if actor.role == "org_editor":
        query = query.where(Referral.organization_id == actor.organization_id)
    elif not actor.is_admin:
        query = query.where(Referral.referrer_account_id == (actor.account_id or ""))
    if "status" in args:
        query = query.where(Referral.status == args["status"])
    if "updated_since" in args:
        query = query.where(Referral.updated_at >= args["updated_since"])
    return paginate(session, query, args["page"], args["per_page"], Referral.updated_at.desc(), Referral.id)


def opened(referral: Referral, sealer: Sealer) -> dict[str, Any]:
    """The referral as its readers see it: facts plus the personal fields, opened (None once purged)."""
    return {
        **{c: getattr(referral, c) for c in VISIBLE},
        "message": sealer.open(referral.message_sealed),
        "child_ref": sealer.open(referral.child_ref_sealed),
        "family_contact": sealer.open_json(referral.family_contact_sealed),
        "consent": sealer.open_json(referral.consent_sealed),
        "purged": referral.purged_at is not None,
    }


VISIBLE = (
    "id",
    "service_id",
    "site_id",
    "organization_id",
    "referrer",
    "needs",
    "urgency",
    "status",
    "decline_reason",
    "has_family_contact",
    "created_at",
    "updated_at",
    "decided_at",
    "accepted_at",
    "closed_at",
    "purged_at",
    "version",
)


def purge(session: Session, actor: Principal, retention_days: int, now: datetime | None = None) -> int:
    """Erase the personal fields of referrals closed more than ``retention_days`` ago; audit each."""
    now = now or datetime.now(UTC)
    due = session.scalars(
        select(Referral).where(Referral.closed_at <= now - timedelta(days=retention_days), Referral.purged_at.is_(None))
    ).all()
    for referral in due:
        for column in PERSONAL:
            setattr(referral, column, None)
        referral.purged_at = now
        audit.record(session, actor, "purge", "referral", referral.id, {"personal_fields": ["kept", "erased"]})
    session.commit()
    return len(due)
