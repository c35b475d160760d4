"""Referrals, their webhook subscriptions and outbox, and the planners' gap counters. No commits, no Flask.

Personal fields are stored only as Fernet tokens (columns ending ``_sealed``, see referral.sealing)
and erased by the purge; every other column is a fact the audit trail may keep. The outbox holds
no personal field at all. ``gap_counts`` holds counters, never a row per match request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from referral.models.base import Base
from referral.models.listings import UTCDateTime, enum_column, new_id, utcnow

REFERRAL_STATUSES = ("requested", "received", "accepted", "declined", "in_progress", "completed", "cancelled", "failed")
CLOSED_STATUSES = ("declined", "completed", "cancelled", "failed")
DECLINE_REASONS = ("no_capacity", "not_eligible", "outside_area", "family_not_reachable", "other")
URGENCIES = ("routine", "soon", "urgent")
SUBSCRIPTION_STATUSES = ("active", "disabled")
OUTBOX_STATUSES = ("pending", "delivered", "failed")


class Referral(Base):
    """A child sent to a service (FHIR Task): who sent it, where, why, and where it stands."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint("(status = 'declined') = (decline_reason IS NOT NULL)", name="declined_has_reason"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id"), index=True)
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)  # the receiver
    referrer_account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    referrer: Mapped[str] = mapped_column(String(100))  # the audit actor who sent it
    needs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{code, severity}]
    urgency: Mapped[str] = mapped_column(enum_column("referral_urgency", URGENCIES), default="routine")
    status: Mapped[str] = mapped_column(
        enum_column("referral_status", REFERRAL_STATUSES), default="requested", index=True
    )
    decline_reason: Mapped[str | None] = mapped_column(enum_column("decline_reason", DECLINE_REASONS))
    message_sealed: Mapped[str | None] = mapped_column(Text)
    child_ref_sealed: Mapped[str | None] = mapped_column(Text)
    family_contact_sealed: Mapped[str | None] = mapped_column(Text)
    consent_sealed: Mapped[str | None] = mapped_column(Text)
    has_family_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first accepted or declined
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class WebhookSubscription(Base):
    """A case app's endpoint for the events of the referrals its account sent."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret_sealed: Mapped[str] = mapped_column(Text)  # HMAC key: needed in plain to sign, so sealed, not hashed
    status: Mapped[str] = mapped_column(enum_column("subscription_status", SUBSCRIPTION_STATUSES), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxEvent(Base):
    """One event for one subscription, written in the transaction of the change it reports."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), default=new_id)  # the same for every subscription
    subscription_id: Mapped[str] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(enum_column("outbox_status", OUTBOX_STATUSES), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookDelivery(Base):
    """One delivery attempt: when, the HTTP status or the error (the delivery log admins read)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id"), index=True)
    subscription_id: Mapped[str] = mapped_column(String(36), index=True)
    event_id: Mapped[str] = mapped_column(String(36))
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(300))


class GapCount(Base):
    """How many matches reported a need unmet, by place, need and month: a counter, nothing else."""

    __tablename__ = "gap_counts"

    place_code: Mapped[str] = mapped_column(String(32), primary_key=True)  # "" when the place is not known
    need_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "YYYY-MM" in the directory's time zone
    count: Mapped[int] = mapped_column(Integer, default=0)
