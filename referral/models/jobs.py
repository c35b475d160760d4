"""Background jobs: an HSDS import or export queued by a request and run by ``referral worker``.

No commits, no Flask. The upload of an import lives in a file of the instance folder (``payload``),
deleted when the job ends; the result is the import report, or where the export artefact is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from referral.models.base import Base
from referral.models.listings import UTCDateTime, enum_column, new_id, utcnow

JOB_KINDS = ("import", "export")
JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(Base):
    """One import or export: who asked, its state, its progress, and its result or problem."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_created_at", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(enum_column("job_kind", JOB_KINDS))
    status: Mapped[str] = mapped_column(enum_column("job_status", JOB_STATUSES), default="queued")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # dry_run, lenient, format, organization
    payload: Mapped[str | None] = mapped_column(String(500))  # the upload's file name in the instance folder
    created_by: Mapped[str] = mapped_column(String(100))  # the audit actor: "key:<prefix>", "cli", …
    account_id: Mapped[str | None] = mapped_column(String(36), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the report, or the export's file and link
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # problem details (RFC 9457) when failed
