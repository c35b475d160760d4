"""Pages for organization editors (and admins): their organization's sites and services, editing a
service with errors beside the fields and the If-Match rule (a concurrent edit shows what changed),
confirming a listing in one click, reports and their resolution, and a listing's history.

Each page calls one use case of ``directory``, ``freshness`` or ``queries``; ownership is theirs.
"""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from referral import directory, freshness, queries
from referral.db import get_session
from referral.errors import Invalid, InvalidMany, StaleVersion
from referral.models import Organization, Service
from referral.policy import require_edit
from referral.web import serviceform
from referral.web.base import bp, page, principal, render
from referral.web.errors import Refused

ALL = {"status": "any", "page": 1, "per_page": 100}


@bp.get("/org")
@page("editor")
def organization():  # noqa: ANN201
    """An editor's own organization; an admin picks one from the list."""
    if principal().organization_id is None:
        return redirect(url_for("web.organizations"))
    return organization_of(org_id=principal().organization_id)


@bp.get("/org/<org_id>")
@page("editor")
def organization_of(org_id: str):  # noqa: ANN201
    session = get_session()
    org = directory.get(session, Organization, org_id)
    require_edit(principal(), org.id)
    services = queries.list_services(session, {**ALL, "organization": org.id}).items
    reports = [r for s in services for r in freshness.reports_for(session, principal(), s.id) if r.status == "open"]
    return render("web/organization.html", org=org, services=services, reports=reports,
                  sites=queries.list_sites(session, {**ALL, "organization": org.id}).items,
                  names={s.id: s.name for s in services})


@bp.post("/services/<service_id>/confirm")
@page("editor", writes=True)
def confirm(service_id: str):  # noqa: ANN201
    service = freshness.confirm(get_session(), principal(), service_id)
    flash(_("Confirmed as correct today: %(name)s", name=service.name))
    return redirect(url_for("web.organization_of", org_id=service.organization_id))


@bp.post("/reports/<report_id>/resolve")
@page("editor", writes=True)
def resolve(report_id: str):  # noqa: ANN201
    resolution = (request.form.get("resolution") or "").strip()[:2000] or _("Corrected")
    try:
        filed = freshness.resolve(get_session(), principal(), report_id, resolution)
    except Invalid as error:
        flash(error.message)
        return redirect(request.referrer or url_for("web.home"))
    flash(_("Report resolved."))
    back = request.form.get("next", "")
    return redirect(back if back.startswith("/") and not back.startswith("//") else
                    url_for("web.history", service_id=filed.service_id))


@bp.post("/services/<service_id>/report")
@page("key", writes=True)
def report(service_id: str):  # noqa: ANN201
    """Anyone signed in tells the listing's editors that something in it is wrong."""
    reason = (request.form.get("reason") or "").strip()[:2000]
    if not reason:
        raise Refused(400)
    service = directory.get(get_session(), Service, service_id)
    freshness.report(get_session(), principal(), service_id, reason)
    return render("web/reported.html", service=service)


@bp.get("/services/<service_id>/history")
@page("editor")
def history(service_id: str):  # noqa: ANN201
    session = get_session()
    service = directory.get(session, Service, service_id)
    events = directory.history(session, principal(), Service, service_id)
    return render("web/history.html", service=service, events=list(reversed(events)))


@bp.get("/services/<service_id>/edit")
@page("editor")
def edit(service_id: str):  # noqa: ANN201
    service = directory.get(get_session(), Service, service_id)
    require_edit(principal(), service.organization_id)
    values = serviceform.values_of(service)
    return _edit_page(service, values, values, service.version, {})


@bp.post("/services/<service_id>/edit")
@page("editor", writes=True)
def save(service_id: str):  # noqa: ANN201
    session = get_session()
    service = directory.get(session, Service, service_id)
    original, edited = _original(), serviceform.values_from(request.form)
    body = serviceform.changes(service, original, edited)
    loaded, errors = serviceform.validate(body)
    if loaded is None:
        return _edit_page(service, edited, original, _version(), errors, status=422)
    if not loaded:
        flash(_("Nothing was changed."))
        return redirect(url_for("web.organization_of", org_id=service.organization_id))
    try:
        directory.update_listing(session, principal(), Service, service_id, loaded, _version())
    except StaleVersion:
        session.rollback()
        return _conflict(session, service_id, original, edited)
    except (Invalid, InvalidMany) as error:
        session.rollback()
        problems = error.problems if isinstance(error, InvalidMany) else [error]
        return _edit_page(service, edited, original, _version(), {p.field: p.message for p in problems}, status=422)
    flash(_("Saved: %(name)s", name=service.name))
    return redirect(url_for("web.history", service_id=service_id))


def _conflict(session: Any, service_id: str, original: dict[str, Any], edited: dict[str, Any]):  # noqa: ANN202
    """Someone saved first: show what they changed; the form keeps this editor's values on top of
    the new version, so saving again is a deliberate choice, and reloading drops them."""
    current = directory.get(session, Service, service_id)
    session.refresh(current)
    now = serviceform.values_of(current)
    changed = [(name, original.get(name), now.get(name)) for name in serviceform.FIELDS if original.get(name) != now.get(name)]
    mine = {name: edited.get(name) for name in serviceform.FIELDS if edited.get(name) != original.get(name)}
    return _edit_page(current, {**now, **mine}, now, current.version, {}, status=409, conflict=changed)


def _edit_page(service: Any, values: dict[str, Any], original: dict[str, Any], version: int,  # noqa: ANN202
               errors: dict[str, str], status: int = 200, conflict: list | None = None):
    return render("web/edit.html", status=status, service=service, values=values, errors=errors,
                  original=json.dumps(original, ensure_ascii=False), version=version, conflict=conflict,
                  phones=serviceform.rows(values, "phones"), hours=serviceform.rows(values, "opening_hours"))


def _original() -> dict[str, Any]:
    try:
        found = json.loads(request.form.get("original") or "{}")
    except ValueError:
        raise Refused(400) from None
    if not isinstance(found, dict):
        raise Refused(400)
    return found


def _version() -> int:
    value = request.form.get("version", "")
    if not value.isdigit():
        raise Refused(400)
    return int(value)
