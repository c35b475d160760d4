"""The referral inbox: an organization's editors see the referrals sent to its services and move
them on (received, accepted, declined with a reason, in progress, completed, failed) or mark the
service full; a social worker or case app sees the referrals it sent and may cancel them; admins
see all and move none. Each action calls one use case of ``referrals`` with the version the page
showed (a referral moved meanwhile is shown again, not overwritten). The page shows what the API
shows a referral's readers — nothing more — and is never stored by a cache (``no-store``).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from referral import referrals
from referral.db import get_session
from referral.errors import Conflict, Invalid, StaleVersion
from referral.models import NeedTerm, Service, Site
from referral.models.referrals import DECLINE_REASONS, REFERRAL_STATUSES
from referral.referral_rules import CANCELLABLE, CLOSED, FORWARD
from referral.web.base import bp, page, principal, render
from referral.web.errors import Refused

PER_PAGE = 50


@bp.get("/referrals")
@page("key")
def inbox():
    status = request.args.get("status") if request.args.get("status") in REFERRAL_STATUSES else None
    number = request.args.get("page", "1")
    args = {"page": int(number) if number.isdigit() and 0 < int(number) <= 10_000 else 1, "per_page": PER_PAGE}
    session = get_session()
    found = referrals.inbox(session, principal(), {**args, **({"status": status} if status else {})})
    sealer = current_app.extensions["referral.sealer"]
    shown = [referrals.opened(r, sealer) for r in found.items]
    return render(
        "web/inbox.html",
        private=True,
        referrals=shown,
        total=found.total,
        page=found.page,
        pages=max(1, -(-found.total // PER_PAGE)),
        status=status,
        statuses=REFERRAL_STATUSES,
        names=_names(session, shown),
        moves=_moves,
        decline_reasons=DECLINE_REASONS,
        closed=CLOSED,
        referral_status=status_label,
    )


@bp.post("/referrals/<referral_id>/status")
@page("key", writes=True)
def move(referral_id: str):
    """One move of the status machine; the use case decides whether this person may make it."""
    status, reason = request.form.get("status", ""), request.form.get("reason") or None
    version = request.form.get("version", "")
    if status not in REFERRAL_STATUSES[1:] or not version.isdigit():
        raise Refused(400)
    session = get_session()
    try:
        referrals.transition(
            session, principal(), referral_id, status, reason if status == "declined" else None, int(version)
        )
    except StaleVersion:
        session.rollback()
        flash(_("This referral changed while you were looking at it; here it is as it stands now."))
    except Conflict:
        session.rollback()
        flash(_("Not done: the referral can no longer make that move."))
    except Invalid:
        session.rollback()
        flash(_("Not done: a decline needs a reason."))
    else:
        flash(_("Referral marked %(status)s.", status=status_label(status)))
    return redirect(url_for("web.inbox", _anchor=f"referral-{referral_id}"))


@bp.post("/referrals/<referral_id>/service-full")
@page("editor", writes=True)
def service_full(referral_id: str):
    service = referrals.mark_service_full(get_session(), principal(), referral_id)
    flash(_("Marked full: %(name)s. It is offered as full until you change its capacity.", name=service.name))
    return redirect(url_for("web.inbox", _anchor=f"referral-{referral_id}"))


def status_label(status: str) -> str:
    """A referral's status in the page's language."""
    return {
        "requested": _("sent, not yet seen"),
        "received": _("received"),
        "accepted": _("accepted"),
        "declined": _("declined"),
        "in_progress": _("in progress"),
        "completed": _("completed"),
        "cancelled": _("cancelled"),
        "failed": _("could not be completed"),
    }.get(status, status)


def _moves(referral: dict[str, Any]) -> list[str]:
    """The buttons to offer this person (the use case still checks every move)."""
    who = principal()
    if who.role == "org_editor" and who.organization_id == referral["organization_id"]:
        return sorted(FORWARD.get(referral["status"], ()), key=REFERRAL_STATUSES.index)
    if who.role in ("social_worker", "case_app") and referral["status"] in CANCELLABLE:
        return ["cancelled"]  # the inbox lists only the referrals this account sent
    return []


def _names(session: Any, shown: list[dict[str, Any]]) -> dict[str, str]:
    """Names of the services, sites and needs the page mentions, in the page's language."""
    language = str(get_locale() or "en")
    services = {r["service_id"] for r in shown}
    sites = {r["site_id"] for r in shown if r["site_id"]}
    needs = {n["code"] for r in shown for n in r["needs"]}
    names: dict[str, str] = {}
    for model, keys in ((Service, services), (Site, sites)):
        for obj in session.scalars(select(model).where(model.id.in_(keys))) if keys else ():
            names[obj.id] = obj.names.get(language) or obj.name
    for term in session.scalars(select(NeedTerm).where(NeedTerm.code.in_(needs))) if needs else ():
        names[term.code] = term.labels.get(language) or term.labels.get("en") or term.code
    return names
