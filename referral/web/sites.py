"""Pages for organization editors (and admins): their organization's own details and its sites —
edit (through ``editing``: errors beside the fields, the If-Match rule), add a site, and the
history of each. Each page calls one use case of ``directory``; ownership is checked there.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from referral import directory
from referral.db import get_session
from referral.models import Organization, Site
from referral.policy import require_edit
from referral.web import choices, editing, listingform
from referral.web.base import bp, page, principal, render

SITE = editing.Kind(Site, listingform.SITE, "web/site_edit.html", choices.site)
ORGANIZATION = editing.Kind(Organization, listingform.ORGANIZATION, "web/organization_edit.html", choices.organization)


@bp.get("/org/<org_id>/edit")
@page("editor")
def edit_organization(org_id: str):
    return editing.open_form(ORGANIZATION, org_id)


@bp.post("/org/<org_id>/edit")
@page("editor", writes=True)
def save_organization(org_id: str):
    return editing.save(ORGANIZATION, org_id, _back)


@bp.get("/sites/<site_id>/edit")
@page("editor")
def edit_site(site_id: str):
    return editing.open_form(SITE, site_id)


@bp.post("/sites/<site_id>/edit")
@page("editor", writes=True)
def save_site(site_id: str):
    return editing.save(SITE, site_id, _back)


@bp.get("/org/<org_id>/sites/new")
@page("editor")
def new_site(org_id: str):
    owner = _own(org_id)
    return editing.page(SITE, None, {}, {}, 0, {}, owner=owner)


@bp.post("/org/<org_id>/sites/new")
@page("editor", writes=True)
def create_site(org_id: str):
    return editing.create(SITE, _own(org_id), lambda site: _back(site, True))


@bp.get("/sites/<site_id>/history")
@page("editor")
def site_history(site_id: str):
    return _history(Site, site_id, url_for("web.edit_site", site_id=site_id))


@bp.get("/org/<org_id>/history")
@page("editor")
def organization_history(org_id: str):
    return _history(Organization, org_id, url_for("web.edit_organization", org_id=org_id))


def _own(org_id: str) -> Organization:
    """The organization, if the signed-in editor may add to it."""
    org = directory.get(get_session(), Organization, org_id)
    require_edit(principal(), org.id)
    return org


def _history(model: type, key: str, edit_url: str) -> Any:
    session = get_session()
    listing = directory.get(session, model, key)
    events = directory.history(session, principal(), model, key)
    return render(
        "web/history.html",
        listing=listing,
        events=list(reversed(events)),
        edit_url=edit_url,
        org_id=directory.owner_of(listing),
    )


def _back(listing: Any, changed: bool) -> Any:
    flash(_("Saved: %(name)s", name=listing.name) if changed else _("Nothing was changed."))
    return redirect(url_for("web.organization_of", org_id=directory.owner_of(listing)))
