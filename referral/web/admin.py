"""Pages for admins: organizations, accounts and keys (create, issue — the key shown once — revoke,
disable), reports across the directory, the stale listings, and HSDS import with a dry run and a
readable report (queued as a job that ``referral worker`` runs; its page follows the progress).
Each page calls one use case of ``accounts``, ``freshness``, ``queries`` or ``jobs``.
"""

from __future__ import annotations

import uuid

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from referral import accounts, freshness, jobs, queries
from referral.db import get_session
from referral.errors import Conflict, Invalid
from referral.web.base import bp, page, principal, render
from referral.web.i18n import told

ROLES = ("social_worker", "case_app", "org_editor", "admin")


@bp.get("/admin/organizations")
@page("admin")
def organizations():
    found = queries.list_organizations(get_session(), {"status": "any", "page": 1, "per_page": 100})
    return render("web/organizations.html", organizations=found.items, total=found.total)


@bp.get("/admin/accounts", endpoint="accounts")
@page("admin")
def accounts_page():
    return _accounts_page()


def _accounts_page(new_key: str | None = None, errors: dict[str, str] | None = None, status: int = 200):
    session = get_session()
    orgs = queries.list_organizations(session, {"status": "any", "page": 1, "per_page": 100}).items
    return render(
        "web/accounts.html",
        status=status,
        private=new_key is not None,
        new_key=new_key,
        accounts=accounts.list_accounts(session),
        organizations=orgs,
        roles=ROLES,
        errors=errors or {},
        org_names={o.id: o.name for o in orgs},
    )


@bp.post("/admin/accounts")
@page("admin", writes=True)
def create_account():
    data = {
        "name": (request.form.get("name") or "").strip()[:200],
        "role": request.form.get("role"),
        "organization_id": request.form.get("organization_id") or None,
    }
    if not data["name"] or data["role"] not in ROLES:
        return _accounts_page(errors={"name": _("Give a name and a role.")}, status=422)
    try:
        account = accounts.create_account(get_session(), principal(), data)
    except Invalid as error:
        get_session().rollback()
        return _accounts_page(errors={error.field: told(error)}, status=422)
    flash(_("Account created: %(name)s. Issue it a key below.", name=account.name))
    return redirect(url_for("web.accounts"))


@bp.post("/admin/accounts/<account_id>/keys")
@page("admin", writes=True)
def issue_key(account_id: str):
    days = request.form.get("expires_in_days", "")
    _key, plain = accounts.issue_key(
        get_session(), principal(), account_id, int(days) if days.isdigit() and 0 < int(days) <= 3650 else None
    )
    return _accounts_page(new_key=plain)


@bp.post("/admin/keys/<key_id>/revoke")
@page("admin", writes=True)
def revoke_key(key_id: str):
    key = accounts.revoke_key(get_session(), principal(), key_id)
    flash(_("Key %(prefix)s revoked.", prefix=key.prefix))
    return redirect(url_for("web.accounts"))


@bp.post("/admin/accounts/<account_id>/status")
@page("admin", writes=True)
def account_status(account_id: str):
    status = "disabled" if request.form.get("status") == "disabled" else "active"
    try:
        accounts.set_account_status(get_session(), principal(), account_id, status)
    except Conflict as error:
        get_session().rollback()
        flash(str(error))
    return redirect(url_for("web.accounts"))


@bp.get("/admin/reports")
@page("admin")
def reports():
    status = request.args.get("status") if request.args.get("status") in ("open", "resolved", "any") else "open"
    found = freshness.reports(get_session(), {"status": status, "page": 1, "per_page": 100})
    return render("web/reports.html", reports=found.items, total=found.total, status=status)


@bp.get("/admin/stale")
@page("admin")
def stale():
    days = request.args.get("days", "")
    days_value = int(days) if days.isdigit() and int(days) <= 3650 else current_app.config["MATCH"]["stale_after_days"]
    found = freshness.stale(get_session(), days_value, 1, 100)
    return render("web/stale.html", services=found.items, total=found.total, days=days_value)


@bp.route("/admin/import", methods=["GET", "POST"])
@page("admin", writes=True)
def import_hsds():
    if request.method == "GET":
        return render("web/import.html", report=None)
    request.max_content_length = int(current_app.config.get("HSDS", {}).get("max_upload_bytes", 64 << 20))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render("web/import.html", status=422, report=None, error=_("Choose a file to import."))
    payload = f"{uuid.uuid4()}.upload"
    upload.save(jobs.folder(current_app.instance_path) / payload)  # the worker imports it (referral.jobrun)
    params = {"dry_run": "dry_run" in request.form, "lenient": False, "name": upload.filename[:200]}
    job = jobs.enqueue(get_session(), principal(), "import", params, payload)
    return redirect(url_for("web.import_job", job_id=job.id))


@bp.get("/admin/import/<job_id>")
@page("admin")
def import_job(job_id: str):
    """The queued import: its progress (the page reloads itself until it ends), then its report."""
    job = jobs.visible(get_session(), principal(), job_id)
    done, total = jobs.progress(current_app.instance_path, job)
    return render(
        "web/import.html",
        job=job,
        done=done,
        total=total,
        report=job.result,
        status=422 if job.status == "failed" else 200,
    )
