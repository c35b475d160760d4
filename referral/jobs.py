"""Background jobs: queue, claim, progress, finish, and reap the ones whose worker died.

A request queues a job (an HSDS import with its upload saved as a file of the instance folder, or
an export) and answers 202; ``referral worker`` claims it atomically and runs it (referral.jobrun).
Progress and the worker's heartbeat live in a small file beside the upload, not in the database:
on SQLite an import holds the write lock for its whole transaction, so no other write could land
until it ends. Takes the sessions it is given and commits only the job's own rows; no Flask.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from referral.errors import NotFound
from referral.models import Job
from referral.policy import Principal

ACTIVE = ("queued", "running")


@dataclass(frozen=True)
class Settings:
    heartbeat_seconds: float = 5.0  # how often a running job says it is alive
    timeout_seconds: float = 120.0  # a running job silent this long has lost its worker
    max_attempts: int = 2  # runs before a job whose worker died is failed instead of requeued
    poll_seconds: float = 1.0  # how often an idle worker looks for a queued job

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        given = config.get("JOBS") or {}
        return cls(**{k: type(getattr(cls, k))(v) for k, v in given.items() if k in cls.__dataclass_fields__})


def folder(instance_path: str | Path) -> Path:
    """Where uploads and progress files of jobs live (the instance folder's ``jobs``)."""
    path = Path(instance_path) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def enqueue(
    session: Session, principal: Principal, kind: str, params: Mapping[str, Any], payload: str | None = None
) -> Job:
    """Queue a job (committed): the worker picks it up."""
    job = Job(
        kind=kind,
        status="queued",
        params=dict(params),
        payload=payload,
        created_by=principal.actor,
        account_id=principal.account_id,
        attempts=0,
        progress_done=0,
    )
    session.add(job)
    session.commit()
    return job


def visible(session: Session, principal: Principal, job_id: str) -> Job:
    """The job, if ``principal`` may see it: its creator or an admin; an export (the same directory
    every key holder may download) to any key. Anyone else: not found, as if it did not exist."""
    job = session.get(Job, job_id)
    if job is None or not (principal.is_admin or job.kind == "export" or _created_by(job, principal)):
        raise NotFound("job", job_id)
    return job


def _created_by(job: Job, principal: Principal) -> bool:
    if job.account_id is not None or principal.account_id is not None:
        return job.account_id == principal.account_id
    return job.created_by == principal.actor


def active_export(session: Session, params: Mapping[str, Any]) -> Job | None:
    """A queued or running export with these parameters (made for this directory version), to share."""
    for job in session.scalars(
        select(Job).where(Job.kind == "export", Job.status.in_(ACTIVE)).order_by(Job.created_at)
    ):
        if job.params == dict(params):
            return job
    return None


def claim(session: Session) -> Job | None:
    """The oldest queued job, now running for this caller (committed); None when none is queued.

    The UPDATE only changes a row still queued, and its row count says whether this caller won:
    two workers never run the same job, on SQLite or PostgreSQL."""
    candidates = list(
        session.scalars(select(Job.id).where(Job.status == "queued").order_by(Job.created_at, Job.id).limit(5))
    )
    for job_id in candidates:
        won = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "queued")
            .values(status="running", started_at=_now(), attempts=Job.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if won.rowcount == 1:
            job = session.get(Job, job_id, populate_existing=True)
            session.commit()  # holds no transaction (on SQLite, no write lock) while the job runs
            return job
    return None


def finish(
    session: Session,
    job_id: str,
    result: Mapping[str, Any] | None,
    error: Mapping[str, Any] | None,
    done: int,
    total: int | None,
) -> None:
    """Mark the job done (or failed, when ``error`` is given) with its result (committed)."""
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(
            status="failed" if error else "done",
            finished_at=_now(),
            result=dict(result) if result else None,
            error=dict(error) if error else None,
            progress_done=done,
            progress_total=total,
            payload=None,
        )
    )
    session.commit()


def reap(session: Session, instance_path: str | Path, settings: Settings, now: float | None = None) -> list[str]:
    """Running jobs whose heartbeat stopped (their worker died): queued again, or failed after
    ``max_attempts`` runs. The ids touched (committed)."""
    now = time.time() if now is None else now
    touched = []
    for job in session.scalars(select(Job).where(Job.status == "running")):
        if now - heartbeat(instance_path, job) <= settings.timeout_seconds:
            continue
        if job.attempts < settings.max_attempts:
            moved = update(Job).values(status="queued", started_at=None)
        else:
            moved = update(Job).values(status="failed", finished_at=_now(), error=abandoned(job.attempts))
        if session.execute(moved.where(Job.id == job.id, Job.status == "running")).rowcount == 1:
            touched.append(job.id)
    session.commit()
    return touched


def abandoned(attempts: int) -> dict[str, Any]:
    return problem(
        500,
        "Job abandoned",
        f"The worker running this job stopped answering, {attempts} time(s); "
        "nothing it was writing was kept. Send the job again.",
        "job-abandoned",
    )


def problem(status: int, title: str, detail: str, kind: str, **extra: Any) -> dict[str, Any]:
    """RFC 9457 problem details, as the API writes them."""
    return {"type": f"/docs#problem-{kind}", "title": title, "status": status, "detail": detail, **extra}


# progress and heartbeat: a file per running job ---------------------------------------------------


def progress_path(instance_path: str | Path, job_id: str) -> Path:
    return folder(instance_path) / f"{job_id}.progress"


def write_progress(instance_path: str | Path, job_id: str, done: int, total: int | None) -> None:
    """Replace the job's progress file (its modification time is the heartbeat)."""
    path = progress_path(instance_path, job_id)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps({"done": done, "total": total}), encoding="utf-8")
    os.replace(partial, path)


def progress(instance_path: str | Path, job: Job) -> tuple[int, int | None]:
    """(done, total): the live figures of a running job, else those stored with it."""
    if job.status == "running":
        try:
            figures = json.loads(progress_path(instance_path, job.id).read_text(encoding="utf-8"))
            return int(figures["done"]), figures["total"]
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return job.progress_done, job.progress_total


def heartbeat(instance_path: str | Path, job: Job) -> float:
    """When the job last said it was alive (epoch seconds): its progress file, else its start."""
    started = (job.started_at or _now()).timestamp()
    try:
        return max(started, progress_path(instance_path, job.id).stat().st_mtime)
    except OSError:
        return started


def forget(instance_path: str | Path, job: Job) -> None:
    """Delete the job's upload and progress file."""
    base = folder(instance_path)
    for name in (job.payload, f"{job.id}.progress", f"{job.id}.progress.tmp"):
        if name:
            (base / name).unlink(missing_ok=True)


def _now() -> datetime:
    return datetime.now(UTC)
