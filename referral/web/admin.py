"""Pages for admins: organizations, accounts and keys (create, issue — the key shown once — revoke,
disable), reports across the directory, the stale listings, and HSDS import with a dry run and a
readable report. Each page calls one use case of ``accounts``, ``freshness``, ``queries`` or
``hsds.exchange``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from referral import accounts, boundary, freshness, queries
from referral.db import get_session
from referral.errors import Conflict, Invalid
from referral.hsds import exchange
from referral.hsds.report import ImportReport, Where
from referral.web.base import bp, page, principal, render

ROLES = ("social_worker", "case_app", "org_editor", "admin")


@bp.get("/admin/organizations")
@page("admin")
def organizations():  # noqa: ANN201
    found = queries.list_organizations(get_session(), {"status": "any", "page": 1, "per_page": 100})
    return render("web/organizations.html", organizations=found.items, total=found.total)


@bp.get("/admin/accounts", endpoint="accounts")
@page("admin")
def accounts_page():  # noqa: ANN201
    return _accounts_page()


def _accounts_page(new_key: str | None = None, errors: dict[str, str] | None = None, status: int = 200):  # noqa: ANN202
    session = get_session()
    orgs = queries.list_organizations(session, {"status": "any", "page": 1, "per_page": 100}).items
    return render("web/accounts.html", status=status, private=new_key is not None, new_key=new_key,
                  accounts=accounts.list_accounts(session), organizations=orgs, roles=ROLES,
                  errors=errors or {}, org_names={o.id: o.name for o in orgs})


@bp.post("/admin/accounts")
@page("admin", writes=True)
def create_account():  # noqa: ANN201
    data = {"name": (request.form.get("name") or "").strip()[:200], "role": request.form.get("role"),
            "organization_id": request.form.get("organization_id") or None}
    if not data["name"] or data["role"] not in ROLES:
        return _accounts_page(errors={"name": _("Give a name and a role.")}, status=422)
    try:
        account = accounts.create_account(get_session(), principal(), data)
    except Invalid as error:
        get_session().rollback()
        return _accounts_page(errors={error.field: error.message}, status=422)
    flash(_("Account created: %(name)s. Issue it a key below.", name=account.name))
    return redirect(url_for("web.accounts"))


@bp.post("/admin/accounts/<account_id>/keys")
@page("admin", writes=True)
def issue_key(account_id: str):  # noqa: ANN201
    days = request.form.get("expires_in_days", "")
    _key, plain = accounts.issue_key(get_session(), principal(), account_id, int(days) if days.isdigit() and 0 < int(days) <= 3650 else None)
    return _accounts_page(new_key=plain)


@bp.post("/admin/keys/<key_id>/revoke")
@page("admin", writes=True)
def revoke_key(key_id: str):  # noqa: ANN201
    key = accounts.revoke_key(get_session(), principal(), key_id)
    flash(_("Key %(prefix)s revoked.", prefix=key.prefix))
    return redirect(url_for("web.accounts"))


@bp.post("/admin/accounts/<account_id>/status")
@page("admin", writes=True)
def account_status(account_id: str):  # noqa: ANN201
    status = "disabled" if request.form.get("status") == "disabled" else "active"
    try:
        accounts.set_account_status(get_session(), principal(), account_id, status)
    except Conflict as error:
        get_session().rollback()
        flash(str(error))
    return redirect(url_for("web.accounts"))


@bp.get("/admin/reports")
@page("admin")
def reports():  # noqa: ANN201
    status = request.args.get("status") if request.args.get("status") in ("open", "resolved", "any") else "open"
    found = freshness.reports(get_session(), {"status": status, "page": 1, "per_page": 100})
    return render("web/reports.html", reports=found.items, total=found.total, status=status)


@bp.get("/admin/stale")
@page("admin")
def stale():  # noqa: ANN201
    days = request.args.get("days", "")
    days_value = int(days) if days.isdigit() and int(days) <= 3650 else current_app.config["MATCH"]["stale_after_days"]
    found = freshness.stale(get_session(), days_value, 1, 100)
    return render("web/stale.html", services=found.items, total=found.total, days=days_value)


@bp.route("/admin/import", methods=["GET", "POST"])
@page("admin", writes=True)
def import_hsds():  # noqa: ANN201
    if request.method == "GET":
        return render("web/import.html", report=None)
    request.max_content_length = int(current_app.config.get("HSDS", {}).get("max_upload_bytes", 64 << 20))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render("web/import.html", status=422, report=None, error=_("Choose a file to import."))
    dry_run = "dry_run" in request.form
    report = _import(upload.filename, upload.read(), dry_run)
    return render("web/import.html", status=200 if report.ok else 422, report=report.as_dict())


def _import(name: str, data: bytes, dry_run: bool) -> ImportReport:
    """A .json file is parsed as the API parses an HSDS JSON body; anything else is a zip."""
    if not name.lower().endswith(".json"):
        return exchange.import_upload(get_session(), current_app.config, name, data, None, dry_run)
    parsed, problem = _json(data)
    if problem:
        report = ImportReport(name, dry_run=dry_run)
        report.problem(Where(name), problem)
        return report
    return exchange.import_upload(get_session(), current_app.config, name, None, parsed, dry_run)


def _json(data: bytes) -> tuple[Any, str | None]:
    if boundary.json_too_deep(data):
        return None, f"the JSON is nested deeper than {boundary.MAX_DEPTH} levels"
    try:
        parsed = json.loads(data)
    except ValueError:
        return None, "the file is not well-formed JSON"
    found = list(boundary.problems(parsed))
    return (None, "; ".join(f"{f or 'body'}: {m}" for f, m in found[:5])) if found else (parsed, None)
