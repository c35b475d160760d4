"""Delivering the outbox: the ``referral worker`` loop's work, behind a small ``Transport`` protocol.

Per subscription, events go out in outbox order: the oldest undelivered one first, and nothing
after it until it is delivered or given up (status ``failed`` after ``max_attempts``). A failed
attempt is retried after ``backoff_base_seconds x 2^(attempt-1)`` (at most ``max_backoff_seconds``).
Every attempt is logged in ``webhook_deliveries``.

At-least-once: the send happens outside any transaction (an HTTP call must not hold the database's
write lock), and the result is written after. A worker that dies between the two sends that event
again on restart; receivers deduplicate by the event ``id`` (also in the ``Referral-Event-Id``
header). Before sending, a worker claims the event (moves its next attempt past the send's timeout,
if no one else did), so two workers on one database do not send it twice at once; run one anyway,
since order per subscription is kept by one worker taking each subscription's events in turn.
Must not depend on Flask.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from referral import outbound
from referral.db import Database
from referral.models import OutboxEvent, WebhookDelivery, WebhookSubscription
from referral.queries import window
from referral.sealing import Sealer
from referral.webhooks import SIGNATURE_HEADER, signature


class TransportError(Exception):
    """The request did not get an HTTP answer (refused, timed out, unreachable)."""


class Transport(Protocol):
    def send(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
        """POST ``body``; the HTTP status, or TransportError when there was no answer."""


class UrllibTransport:
    """The real transport: a POST with urllib to public addresses only, redirects not followed
    (referral.outbound; ``allow_private`` for a receiver on this machine's network, in development)."""

    def __init__(self, allow_private: bool = False):
        self._opener = outbound.opener(allow_private)

    def send(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
        request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
        try:
            with self._opener.open(request, timeout=timeout) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except (urllib.error.URLError, OSError) as error:
            raise TransportError(str(getattr(error, "reason", error))[:200]) from None


@dataclass(frozen=True)
class Policy:
    max_attempts: int = 12
    backoff_base_seconds: float = 30
    max_backoff_seconds: float = 21600
    timeout_seconds: float = 10

    @classmethod
    def from_config(cls, config: Mapping) -> Policy:
        c = config["REFERRALS"]
        return cls(
            c["max_attempts"], c["backoff_base_seconds"], c["max_backoff_seconds"], c["delivery_timeout_seconds"]
        )

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.backoff_base_seconds * 2 ** (attempts - 1), self.max_backoff_seconds))


def deliver_due(
    database: Database,
    sealer: Sealer,
    transport: Transport,
    policy: Policy = Policy(),
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Send every due event, in order per subscription; the number delivered."""
    delivered, blocked = 0, set()
    while True:
        heads = [h for h in _due_heads(database, clock()) if h[0].subscription_id not in blocked]
        if not heads:
            return delivered
        for event, url, sealed in heads:
            if _attempt(database, sealer, transport, policy, event, url, sealed, clock):
                delivered += 1
            else:
                blocked.add(event.subscription_id)


def _due_heads(database: Database, now: datetime) -> list[tuple[OutboxEvent, str, str]]:
    """The oldest pending event of each subscription, when it is due."""
    with database.session() as session:
        rows = session.execute(
            select(OutboxEvent, WebhookSubscription.url, WebhookSubscription.secret_sealed)
            .join(WebhookSubscription, WebhookSubscription.id == OutboxEvent.subscription_id)
            .where(OutboxEvent.status == "pending")
            .order_by(OutboxEvent.subscription_id, OutboxEvent.id)
        ).all()
    heads, seen = [], set()
    for event, url, sealed in rows:
        if event.subscription_id not in seen:
            seen.add(event.subscription_id)
            if event.next_attempt_at <= now:
                heads.append((event, url, sealed))
    return heads


def _claim(database: Database, event: OutboxEvent, policy: Policy, now: datetime) -> bool:
    """Take the event for one send: move its next attempt past the send's timeout, if no other worker
    did first (the UPDATE names the time read). A worker that dies holding it frees it at that time."""
    lease = now + timedelta(seconds=2 * policy.timeout_seconds + 5)
    with database.session(write=True) as session:
        taken = session.execute(
            update(OutboxEvent)
            .where(
                OutboxEvent.id == event.id,
                OutboxEvent.status == "pending",
                OutboxEvent.next_attempt_at == event.next_attempt_at,
            )
            .values(next_attempt_at=lease)
        ).rowcount
        session.commit()
    return taken == 1


def _attempt(
    database: Database,
    sealer: Sealer,
    transport: Transport,
    policy: Policy,
    event: OutboxEvent,
    url: str,
    sealed: str,
    clock: Callable[[], datetime],
) -> bool:
    if not _claim(database, event, policy, clock()):
        return False  # another worker is sending it
    body = json.dumps(event.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "referral-webhooks",
        "Referral-Event-Id": event.event_id,
        SIGNATURE_HEADER: signature(sealer.open(sealed), stamp, body),
    }
    code, error = None, None
    try:
        code = transport.send(url, body, headers, policy.timeout_seconds)
    except TransportError as failure:
        error = str(failure) or "no answer"
    ok = code is not None and 200 <= code < 300
    _record(
        database, policy, event.id, ok, code, error if not ok and error else (None if ok else f"HTTP {code}"), clock()
    )
    return ok


def _record(
    database: Database, policy: Policy, outbox_id: int, ok: bool, code: int | None, error: str | None, now: datetime
) -> None:
    with database.session(write=True) as session:
        event = session.get(OutboxEvent, outbox_id)
        event.attempts += 1
        session.add(
            WebhookDelivery(
                outbox_id=event.id,
                subscription_id=event.subscription_id,
                event_id=event.event_id,
                attempt=event.attempts,
                at=now,
                ok=ok,
                status_code=code,
                error=error,
            )
        )
        if ok:
            event.status, event.delivered_at = "delivered", now
        elif event.attempts >= policy.max_attempts:
            event.status = "failed"
        else:
            event.next_attempt_at = now + policy.backoff(event.attempts)
        session.commit()


def deliveries(session: Session, page: int, per_page: int, subscription_id: str | None = None) -> list[WebhookDelivery]:
    """The delivery log, newest first (admins read it)."""
    query = select(WebhookDelivery)
    if subscription_id:
        query = query.where(WebhookDelivery.subscription_id == subscription_id)
    return list(
        session.scalars(query.order_by(WebhookDelivery.id.desc()).offset(window(page, per_page).start).limit(per_page))
    )
