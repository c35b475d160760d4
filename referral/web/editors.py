"""Pages for organization editors (and admins): their organization's sites and services, editing a
service (its card and its eligibility) through ``editing`` (errors beside the fields, the If-Match
rule), confirming a listing in one click, reports and their resolution, and a listing's history.
Sites and the organization's own details are edited in ``web.sites``.

Each page calls one use case of ``directory``, ``freshness`` or ``queries``; ownership is theirs.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from referral import directory, freshness, queries
from referral.db import get_session
from referral.errors import Invalid
from referral.models import Organization, Service
from referral.policy import require_edit
from referral.web import choices, editing, listingform
from referral.web.base import bp, page, principal, render
from referral.web.errors import Refused
from referral.web.i18n import told

ALL = {"status": "any", "page": 1, "per_page": 100}


@bp.get("/org")
@page("editor")
def organization():
    """An editor's own organization; an admin picks one from the list."""
    if principal().organization_id is None:
        return redirect(url_for("web.organizations"))
    return organization_of(org_id=principal().organization_id)


@bp.get("/org/<org_id>")
@page("editor")
def organization_of(org_id: str):
    session = get_session()
    org = directory.get(session, Organization, org_id)
    require_edit(principal(), org.id)
    services = queries.list_services(session, {**ALL, "organization": org.id}).items
    reports = [r for s in services for r in freshness.reports_for(session, principal(), s.id) if r.status == "open"]
    return render(
        "web/organization.html",
        org=org,
        services=services,
        reports=reports,
        sites=queries.list_sites(session, {**ALL, "organization": org.id}).items,
        names={s.id: s.name for s in services},
    )


@bp.post("/services/<service_id>/confirm")
@page("editor", writes=True)
def confirm(service_id: str):
    service = freshness.confirm(get_session(), principal(), service_id)
    flash(_("Confirmed as correct today: %(name)s", name=service.name))
    return redirect(url_for("web.organization_of", org_id=service.organization_id))


@bp.post("/reports/<report_id>/resolve")
@page("editor", writes=True)
def resolve(report_id: str):
    resolution = (request.form.get("resolution") or "").strip()[:2000] or _("Corrected")
    try:
        filed = freshness.resolve(get_session(), principal(), report_id, resolution)
    except Invalid as error:
        flash(told(error))
        return redirect(request.referrer or url_for("web.home"))
    flash(_("Report resolved."))
    back = request.form.get("next", "")
    return redirect(
        back
        if back.startswith("/") and not back.startswith("//")
        else url_for("web.history", service_id=filed.service_id)
    )


@bp.post("/services/<service_id>/report")
@page("key", writes=True)
def report(service_id: str):
    """Anyone signed in tells the listing's editors that something in it is wrong."""
    reason = (request.form.get("reason") or "").strip()[:2000]
    if not reason:
        raise Refused(400)
    service = directory.get(get_session(), Service, service_id)
    freshness.report(get_session(), principal(), service_id, reason)
    return render("web/reported.html", service=service)


@bp.get("/services/<service_id>/history")
@page("editor")
def history(service_id: str):
    session = get_session()
    service = directory.get(session, Service, service_id)
    events = directory.history(session, principal(), Service, service_id)
    return render(
        "web/history.html",
        listing=service,
        events=list(reversed(events)),
        edit_url=url_for("web.edit", service_id=service_id),
        org_id=service.organization_id,
    )


SERVICE = editing.Kind(Service, listingform.SERVICE, "web/edit.html", choices.service)


@bp.get("/services/<service_id>/edit")
@page("editor")
def edit(service_id: str):
    return editing.open_form(SERVICE, service_id)


@bp.post("/services/<service_id>/edit")
@page("editor", writes=True)
def save(service_id: str):
    return editing.save(SERVICE, service_id, _saved)


def _saved(service: Service, changed: bool):
    if not changed:
        flash(_("Nothing was changed."))
        return redirect(url_for("web.organization_of", org_id=service.organization_id))
    flash(_("Saved: %(name)s", name=service.name))
    return redirect(url_for("web.history", service_id=service.id))
