"""The directory's change log: one row per directory version, saying which services that write changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer
from sqlalchemy.orm import Mapped, mapped_column

from referral.models.base import Base
from referral.models.listings import UTCDateTime, utcnow


class DirectoryChange(Base):
    """What changed at ``version``: the ids of the services whose match data may differ, or NULL when
    anything may have (an import, seeding, the taxonomy or gazetteer): then workers rebuild.

    Written in the same transaction as the write and the version bump (referral.changes), so a
    worker that reads a version finds its row. Old rows are pruned (changes.KEEP)."""

    __tablename__ = "directory_changes"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    service_ids: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
