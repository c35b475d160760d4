"""Blueprint for admins: accounts and keys, stale listings, reports across the directory."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from referral import accounts, freshness
from referral.api.access import current_principal
from referral.api.routing import ApiBlueprint
from referral.db import get_session
from referral.schemas.directory import (
    AccountList,
    AccountSchema,
    AccountStatusInput,
    ApiKeySummary,
    KeyInput,
    NewApiKey,
    ReportListArgs,
    ReportSchema,
    ResolveInput,
    ServiceSchema,
    StaleArgs,
    page_schema,
)

bp = ApiBlueprint("admin", __name__, tag="admin", url_prefix="/v1")
ERRORS = (401, 403, 404, 422)


@bp.operation(
    "GET", "/admin/accounts", "List accounts with their keys", response=AccountList, access="admin", errors=(401, 403)
)
def list_accounts() -> Any:
    return {"items": accounts.list_accounts(get_session())}


@bp.operation(
    "POST",
    "/admin/accounts",
    "Create an account",
    body=AccountSchema,
    response=AccountSchema,
    status=201,
    access="admin",
    errors=ERRORS,
    description="Roles: admin, org_editor (with organization_id), social_worker, case_app.",
)
def create_account(body: dict[str, Any]) -> Any:
    return accounts.create_account(get_session(), current_principal(), body)


@bp.operation(
    "PATCH",
    "/admin/accounts/<id>",
    "Disable or re-enable an account",
    body=AccountStatusInput,
    response=AccountSchema,
    access="admin",
    errors=ERRORS,
    description="A disabled account's keys stop working at once.",
)
def set_account_status(id: str, body: dict[str, Any]) -> Any:
    return accounts.set_account_status(get_session(), current_principal(), id, body["status"])


@bp.operation(
    "POST",
    "/admin/accounts/<id>/keys",
    "Issue a key",
    body=KeyInput,
    response=NewApiKey,
    status=201,
    access="admin",
    errors=ERRORS,
    description="The answer holds the key itself; it is shown this once and stored only as a hash.",
)
def issue_key(id: str, body: dict[str, Any]) -> Any:
    key, plain = accounts.issue_key(get_session(), current_principal(), id, body.get("expires_in_days"))
    shown = {name: getattr(key, name) for name in ApiKeySummary().fields}
    return SimpleNamespace(**shown, key=plain)


@bp.operation(
    "DELETE",
    "/admin/keys/<id>",
    "Revoke a key (by id or prefix)",
    response=ApiKeySummary,
    access="admin",
    errors=ERRORS,
)
def revoke_key(id: str) -> Any:
    return accounts.revoke_key(get_session(), current_principal(), id)


@bp.operation(
    "GET",
    "/admin/stale",
    "Services not confirmed in N days",
    query=StaleArgs,
    response=page_schema(ServiceSchema),
    access="admin",
    errors=(401, 403, 422),
    description="Never-confirmed services first, then the oldest confirmations.",
)
def stale(args: dict[str, Any]) -> Any:
    return freshness.stale(get_session(), args["days"], args["page"], args["per_page"])


@bp.operation(
    "GET",
    "/admin/reports",
    "Reports of wrong listings",
    query=ReportListArgs,
    response=page_schema(ReportSchema),
    access="admin",
    errors=(401, 403, 422),
)
def reports(args: dict[str, Any]) -> Any:
    return freshness.reports(get_session(), args)


@bp.operation(
    "POST",
    "/reports/<id>/resolve",
    "Resolve a report",
    body=ResolveInput,
    response=ReportSchema,
    access="editor",
    errors=ERRORS,
    description="For the listing's editors and admins.",
)
def resolve(id: str, body: dict[str, Any]) -> Any:
    return freshness.resolve(get_session(), current_principal(), id, body["resolution"])
