"""Blueprints for referrals (send, inbox, status, mark the service full, history), webhook
subscriptions, the admins' delivery log and the planners' gap figures. Views only parse, call one
use case and dump; the personal fields are opened with the app's Sealer for the referral's readers.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app

from referral import audit, delivery, gaps, referrals, webhooks
from referral.api.access import current_principal
from referral.api.concurrency import etag, expected_version
from referral.api.referral_schemas import (
    DeliveryArgs,
    DeliveryList,
    GapArgs,
    GapReport,
    NewWebhook,
    ReferralInput,
    ReferralListArgs,
    ReferralSchema,
    StatusInput,
    WebhookInput,
    WebhookList,
    WebhookSchema,
)
from referral.api.routing import ApiBlueprint
from referral.db import get_session
from referral.queries import Page
from referral.schemas.directory import HistorySchema, ServiceSchema, page_schema
from referral.sealing import Sealer

bp = ApiBlueprint("referrals", __name__, tag="referrals", url_prefix="/v1")
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422)


def init_app(app: Flask) -> None:
    """One Sealer per app, from ENCRYPTION_KEY."""
    app.extensions["referral.sealer"] = Sealer(app.config["ENCRYPTION_KEY"])


def _sealer() -> Sealer:
    return current_app.extensions["referral.sealer"]


def _shown(referral: Any) -> tuple[dict[str, Any], dict[str, str]]:
    return referrals.opened(referral, _sealer()), etag(referral)


@bp.operation(
    "POST",
    "/referrals",
    "Refer a child to a matched service",
    body=ReferralInput,
    response=ReferralSchema,
    status=201,
    access="match",
    errors=WRITE_ERRORS,
    headers=("ETag", "Location"),
)
def create(body: dict[str, Any]) -> Any:
    """A social worker or case app sends a match result (service, site) with the needs it addresses,
    a message, its own opaque child reference, the urgency and — only with the family's consent
    attested (who, when, for what) — the family's contact. Personal fields are encrypted at rest
    and erased REFERRALS.retention_days after the referral closes."""
    referral = referrals.create(get_session(), current_principal(), _sealer(), body)
    shown, tag = _shown(referral)
    return shown, {**tag, "Location": f"/v1/referrals/{referral.id}"}


@bp.operation(
    "GET",
    "/referrals",
    "Referral inbox",
    query=ReferralListArgs,
    response=page_schema(ReferralSchema),
    access="key",
    errors=(401, 422),
)
def index(args: dict[str, Any]) -> Any:
    """Admins see every referral; an organization's editors those sent to it; others those they sent.
    Newest change first; filters: status, updated_since."""
    page = referrals.inbox(get_session(), current_principal(), args)
    return Page([referrals.opened(r, _sealer()) for r in page.items], page.total, page.page, page.per_page)


@bp.operation(
    "GET",
    "/referrals/<id>",
    "Read one referral",
    response=ReferralSchema,
    access="key",
    errors=(401, 404),
    headers=("ETag",),
)
def read(id: str) -> Any:
    """For admins, its referrer and the receiving organization's editors (404 for anyone else)."""
    return _shown(referrals.get(get_session(), current_principal(), id))


@bp.operation(
    "POST",
    "/referrals/<id>/status",
    "Move a referral to another status",
    body=StatusInput,
    response=ReferralSchema,
    access="key",
    errors=(*WRITE_ERRORS, 412, 428),
    headers=("ETag",),
)
def change_status(id: str, body: dict[str, Any]) -> Any:
    """requested → received → accepted | declined (with a reason) → in_progress → completed, or failed,
    by the receiving organization's editors; cancelled by the referrer. Other moves are 409.
    Needs If-Match with the ETag of your last read."""
    referral = referrals.transition(
        get_session(), current_principal(), id, body["status"], body.get("reason"), expected_version()
    )
    return _shown(referral)


@bp.operation(
    "POST",
    "/referrals/<id>/service-full",
    "Mark the referral's service full",
    response=ServiceSchema,
    access="editor",
    errors=(401, 403, 404, 409),
    headers=("ETag",),
)
def service_full(id: str) -> Any:
    """One step from the inbox: the receiving organization's editor sets the service's capacity to full."""
    service = referrals.mark_service_full(get_session(), current_principal(), id)
    return service, etag(service)


@bp.operation(
    "GET",
    "/referrals/<id>/history",
    "The audit trail of a referral",
    response=HistorySchema,
    access="key",
    errors=(401, 404),
)
def history(id: str) -> Any:
    """Every change with who and when, and the facts before and after; never a personal field."""
    referrals.get(get_session(), current_principal(), id)
    return {"items": audit.history(get_session(), "referral", id)}


@bp.operation(
    "POST",
    "/webhooks",
    "Subscribe to referral events",
    body=WebhookInput,
    response=NewWebhook,
    status=201,
    access="match",
    errors=WRITE_ERRORS,
)
def subscribe(body: dict[str, Any]) -> Any:
    """Events of the referrals your account sends are POSTed to ``url``, signed with the secret
    (given, or generated and shown once): README "Webhooks"."""
    subscription, secret = webhooks.subscribe(
        get_session(), current_principal(), _sealer(), body, current_app.config["REFERRALS"]["webhook_allow_private"]
    )
    return {**{k: getattr(subscription, k) for k in ("id", "url", "status", "created_at")}, "secret": secret}


@bp.operation("GET", "/webhooks", "Your webhook subscriptions", response=WebhookList, access="match", errors=(401, 403))
def subscriptions() -> Any:
    return {"items": webhooks.subscriptions(get_session(), current_principal())}


@bp.operation(
    "DELETE",
    "/webhooks/<id>",
    "Disable a webhook subscription",
    response=WebhookSchema,
    access="match",
    errors=(401, 403, 404),
)
def unsubscribe(id: str) -> Any:
    return webhooks.unsubscribe(get_session(), current_principal(), id)


@bp.operation(
    "GET",
    "/admin/webhook-deliveries",
    "The webhook delivery log",
    query=DeliveryArgs,
    response=DeliveryList,
    access="admin",
    errors=(401, 403, 422),
)
def deliveries(args: dict[str, Any]) -> Any:
    """Every delivery attempt, newest first: the event, the attempt number, the HTTP status or error."""
    return {"items": delivery.deliveries(get_session(), args["page"], args["per_page"], args.get("subscription"))}


@bp.operation(
    "GET",
    "/gaps",
    "Needs reported unmet, by place, need and month",
    query=GapArgs,
    response=GapReport,
    access="admin",
    errors=(401, 403, 422),
    media_types=("text/csv",),
)
def gap_figures(args: dict[str, Any]) -> Any:
    """Anonymous counts for planners; a cell counted fewer than REFERRALS.gap_min_cell times is
    suppressed. ``format=csv`` for a spreadsheet."""
    min_cell = int(current_app.config["REFERRALS"]["gap_min_cell"])
    cells = gaps.report(get_session(), min_cell, args.get("since"))
    if args["format"] == "csv":
        return Response(
            gaps.as_csv(cells), mimetype="text/csv", headers={"Content-Disposition": 'attachment; filename="gaps.csv"'}
        )
    return {"min_cell": min_cell, "items": cells}
