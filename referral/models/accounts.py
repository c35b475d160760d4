"""Accounts, their API keys, the append-only audit trail and reports of wrong listings.

No commits, no Flask. Keys are stored only as a SHA-256 hash (keys are 256-bit random, so a fast
hash is enough: there is nothing to brute-force), plus a short public prefix to find the row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from referral.models.base import Base
from referral.models.listings import UTCDateTime, enum_column, new_id, utcnow

ROLES = ("admin", "org_editor", "social_worker", "case_app")
ACCOUNT_STATUSES = ("active", "disabled")
REPORT_STATUSES = ("open", "resolved")


class Account(Base):
    """Who acts: a person or an app, with one role; an org_editor is bound to one organization."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("(role = 'org_editor') = (organization_id IS NOT NULL)", name="editor_has_organization"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(enum_column("account_role", ROLES))
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    status: Mapped[str] = mapped_column(enum_column("account_status", ACCOUNT_STATUSES), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # web sign-in by password (referral.passwords), set by an admin: the login and a werkzeug scrypt
    # hash, never the password itself; both empty for key-only accounts
    login: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))

    keys: Mapped[list[ApiKey]] = relationship(back_populates="account", order_by="ApiKey.created_at")


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)  # public part, shown in lists
    secret_hash: Mapped[str] = mapped_column(String(64))  # hex SHA-256 of the whole key
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship(back_populates="keys")


class AuditEvent(Base):
    """One change: who, when, what, and each changed field before and after. Never updated."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))  # "key:<prefix>", "login:<login>", "config-admin", "cli"
    account_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(36))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # field -> [before, after]
    import_id: Mapped[str | None] = mapped_column(String(36), index=True)  # the import (job) that made it

    __table_args__ = (CheckConstraint("object_type <> ''", name="object_type_given"),)


class ListingReport(Base):
    """Someone with a key says a service's listing is wrong; its editor or an admin resolves it."""

    __tablename__ = "listing_reports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id"), index=True)
    reported_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(enum_column("report_status", REPORT_STATUSES), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolution: Mapped[str | None] = mapped_column(Text)
