"""Webhook subscriptions, the outbox and the signature scheme.

A case app registers a URL; every change of a referral its account sent becomes one outbox row per
active subscription, added to the session of the change itself (so the event exists exactly when
the change does: no event is lost if a process dies). referral.delivery sends them.

Signature: ``Referral-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`` over the
exact body bytes. Events carry no personal field: the case app finds its case by the referral id.
Must not depend on Flask.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from referral import audit, outbound
from referral.errors import N_, Invalid, NotFound
from referral.models import OutboxEvent, Referral, WebhookSubscription
from referral.policy import Forbidden, Principal
from referral.sealing import Sealer

SECRET_PREFIX = "whsec_"
SIGNATURE_HEADER = "Referral-Signature"


def subscribe(
    session: Session, actor: Principal, sealer: Sealer, data: Mapping[str, Any], allow_private: bool = False
) -> tuple[WebhookSubscription, str]:
    """A subscription for the caller's account, and its secret (the one given, or a new one) to show once.
    A URL naming a local or non-public address is refused (referral.outbound) unless ``allow_private``."""
    if actor.account_id is None:
        raise Forbidden(N_("Webhooks belong to an account; the bootstrap admin key has none."))
    refusal = outbound.url_refusal(data["url"], allow_private)
    if refusal:
        raise Invalid("url", refusal[0], host=refusal[1])
    secret = data.get("secret") or SECRET_PREFIX + secrets.token_urlsafe(32)
    subscription = WebhookSubscription(account_id=actor.account_id, url=data["url"], secret_sealed=sealer.seal(secret))
    session.add(subscription)
    session.flush()
    audit.record(session, actor, "create", "webhook", subscription.id, {"url": [None, subscription.url]})
    session.commit()
    return subscription, secret


def subscriptions(session: Session, actor: Principal) -> list[WebhookSubscription]:
    """The caller's subscriptions (every one for an admin)."""
    query = select(WebhookSubscription).order_by(WebhookSubscription.created_at, WebhookSubscription.id)
    if not actor.is_admin:
        query = query.where(WebhookSubscription.account_id == (actor.account_id or ""))
    return list(session.scalars(query))


def unsubscribe(session: Session, actor: Principal, subscription_id: str) -> WebhookSubscription:
    """Disable a subscription: its pending events stay in the log, no new ones are written."""
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None or not (actor.is_admin or subscription.account_id == actor.account_id):
        raise NotFound("webhook", subscription_id)
    if subscription.status != "disabled":
        subscription.status = "disabled"
        audit.record(session, actor, "delete", "webhook", subscription.id, {"status": ["active", "disabled"]})
        session.commit()
    return subscription


def enqueue(session: Session, referral: Referral, event_type: str, now: datetime, previous: str | None = None) -> int:
    """Add the event of a referral change to the outbox of each of its referrer's active subscriptions."""
    if referral.referrer_account_id is None:
        return 0
    targets = session.scalars(
        select(WebhookSubscription.id).where(
            WebhookSubscription.account_id == referral.referrer_account_id, WebhookSubscription.status == "active"
        )
    ).all()
    envelope = event(referral, event_type, now, previous)
    for subscription_id in targets:
        session.add(
            OutboxEvent(
                event_id=envelope["id"],
                subscription_id=subscription_id,
                event_type=event_type,
                payload=envelope,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return len(targets)


def event(referral: Referral, event_type: str, now: datetime, previous: str | None) -> dict[str, Any]:
    """The JSON event: facts of the referral, never a personal field."""
    return {
        "id": secrets.token_hex(16),
        "type": event_type,
        "created_at": now.astimezone(UTC).isoformat(),
        "data": {
            "referral_id": referral.id,
            "status": referral.status,
            "previous_status": previous,
            "decline_reason": referral.decline_reason,
            "service_id": referral.service_id,
            "organization_id": referral.organization_id,
            "version": referral.version,
        },
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The Referral-Signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: the header's MAC matches and its timestamp is within ``tolerance`` seconds."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, parts.get("v1", ""))
